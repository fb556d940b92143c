import Foundation
import Testing
@testable import WinnowTokenizer

/// Prints encoding throughput on the corpus; no timing is asserted (it depends on the machine).
@Suite("Throughput report")
struct ThroughputReport {
    @Test("encode throughput (printed)", arguments: ["llama3", "qwen3", "gemma-bpe"])
    func throughput(name: String) throws {
        let tokenizer = try ReferenceData.tokenizer(name)
        let corpus = try ReferenceData.corpus()
        // A fresh, distinct text per pass would defeat the word cache; real traffic repeats words,
        // so the corpus is simply repeated: the first pass is cold, the rest warm.
        let cold = TokenizerBenchmark.measure(tokenizer, texts: corpus, repetitions: 1)
        let warm = TokenizerBenchmark.measure(tokenizer, texts: corpus, repetitions: 50)
        print("tokenizer throughput \(name): cold \(cold); warm \(warm)")
        #expect(warm.tokens > 0)
    }
}
