import ArgumentParser
import Foundation
import RewardModel

/// `winnow bench`: throughput of the forward pass on random token ids.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure scoring throughput (tokens/s) and peak resident memory on random ids.")

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "Sequences scored per round.")
    var sequences: Int = 8

    @Option(name: .long, help: "Tokens per sequence.")
    var tokens: Int = 512

    @Option(name: .long, help: "Timed rounds (after one untimed warm-up round).")
    var repeats: Int = 3

    @Option(name: .long, help: "Seed for the random token ids.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Print one JSON line instead of a table.")
    var json = false

    func validate() throws {
        guard sequences > 0, tokens > 0, repeats > 0 else {
            throw ValidationError("--sequences, --tokens and --repeats must be positive")
        }
    }

    func run() throws {
        let loadStart = Date()
        let rewardModel = try model.loadModel()
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let batch = Self.randomSequences(count: sequences, length: tokens, seed: seed,
                                         vocabulary: rewardModel.configuration.vocabularySize,
                                         avoiding: rewardModel.configuration.padTokenID)
        _ = try rewardModel.score(batch)  // warm-up: page in weights, spin up threads
        rewardModel.resetProfile()
        var seconds: [Double] = []
        for _ in 0..<repeats {
            let start = Date()
            _ = try rewardModel.score(batch)
            seconds.append(Date().timeIntervalSince(start))
        }
        let median = seconds.sorted()[seconds.count / 2]
        let tokensPerSecond = Double(sequences * tokens) / median
        let peak = ResourceUsage.peakResidentBytes
        let profile = rewardModel.profile
        let stages = ForwardProfile.Stage.allCases.map { stage in
            (stage.rawValue, (profile.seconds[stage] ?? 0) / max(profile.total, 1e-9))
        }
        if json {
            print("{\"engine\":\"winnow\",\"model\":\(JSON.string(rewardModel.directory.name)),\"sequences\":\(sequences),\"tokens\":\(tokens),\"threads\":\(rewardModel.options.threads),\"seconds\":\(median),\"tokens_per_s\":\(tokensPerSecond),\"sequences_per_s\":\(Double(sequences) / median),\"load_seconds\":\(loadSeconds),\"gemm_share\":\(profile.gemmShare),\"peak_rss_bytes\":\(peak)}")
        } else {
            print("model            \(rewardModel.directory.name) (\(rewardModel.configuration.architecture))")
            print("shape            \(sequences) sequences x \(tokens) tokens, \(rewardModel.options.threads) threads")
            print("load             \(String(format: "%.2f", loadSeconds)) s")
            print("round (median)   \(String(format: "%.3f", median)) s of \(repeats)")
            print("throughput       \(String(format: "%.1f", tokensPerSecond)) tokens/s")
            print("peak resident    \(String(format: "%.1f", Double(peak) / 1_048_576)) MiB")
            print("time in GEMM     \(String(format: "%.1f", 100 * profile.gemmShare)) %")
            for (name, share) in stages {
                print("  \(name.padding(toLength: 15, withPad: " ", startingAt: 0))\(String(format: "%5.1f", 100 * share)) %")
            }
        }
    }

    /// Deterministic ids (SplitMix64), never the pad token, so every token is scored as given.
    static func randomSequences(count: Int, length: Int, seed: UInt64, vocabulary: Int, avoiding pad: Int?) -> [[Int32]] {
        var state = seed &+ 0x9E3779B97F4A7C15
        func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        return (0..<count).map { _ in
            (0..<length).map { _ in
                var id = Int(next() % UInt64(vocabulary))
                if id == pad { id = (id + 1) % vocabulary }
                return Int32(id)
            }
        }
    }
}
