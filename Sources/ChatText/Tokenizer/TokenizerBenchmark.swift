/// Measures encoding throughput, for the CLI's `bench` and the tests' report.
public enum TokenizerBenchmark {
    /// One measurement.
    public struct Result: Sendable, CustomStringConvertible {
        /// UTF-8 bytes encoded.
        public let bytes: Int
        /// Ids produced.
        public let tokens: Int
        /// Wall-clock seconds.
        public let seconds: Double

        /// Throughput in MB (10^6 bytes) of UTF-8 text per second.
        public var megabytesPerSecond: Double { Double(bytes) / 1e6 / seconds }

        public var description: String {
            let mbps = (megabytesPerSecond * 100).rounded() / 100
            let tps = (Double(tokens) / seconds / 1e3).rounded()
            return "\(bytes) bytes -> \(tokens) ids in \((seconds * 1e4).rounded() / 1e4) s: \(mbps) MB/s, \(Int(tps))k ids/s"
        }
    }

    /// Encodes every text `repetitions` times, one after another on the calling thread.
    /// The first pass also fills the tokenizer's word cache; later passes show the steady state.
    public static func measure(_ tokenizer: Tokenizer, texts: [String], repetitions: Int,
                               addSpecialTokens: Bool = false) -> Result {
        let clock = ContinuousClock()
        var bytes = 0
        var tokens = 0
        let elapsed = clock.measure {
            for _ in 0..<repetitions {
                for text in texts {
                    bytes += text.utf8.count
                    tokens += tokenizer.encode(text, addSpecialTokens: addSpecialTokens).count
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Result(bytes: bytes, tokens: tokens, seconds: seconds)
    }
}
