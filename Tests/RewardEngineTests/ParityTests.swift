import Foundation
import Testing
@testable import RewardEngine

/// Scores against transformers' float32 eager forward on the committed tiny checkpoints.
@Suite struct ParityTests {
    static let fixtures = ["qwen3-tiny", "llama-tiny", "gemma2-tiny"]

    @Test(arguments: fixtures)
    func scoredOneAtATime(_ name: String) throws {
        let fixture = try ParityFixture(name)
        let model = try RewardModel(path: fixture.directory.path)
        var worst = 0.0
        for sequence in fixture.sequences {
            let score = try model.score([sequence.input_ids])[0]
            let error = ParityFixture.relativeError(score, sequence.score)
            worst = max(worst, error)
            #expect(error <= 1e-3, "\(name) length \(sequence.input_ids.count): winnow \(score), transformers \(sequence.score)")
        }
        print("parity \(name) one at a time: \(fixture.sequences.count) sequences, largest relative error \(worst)")
    }

    @Test(arguments: fixtures)
    func scoredPackedInOneBatch(_ name: String) throws {
        let fixture = try ParityFixture(name)
        let model = try RewardModel(path: fixture.directory.path)
        let scores = try model.score(fixture.sequences.map(\.input_ids))
        #expect(scores.count == fixture.sequences.count)
        var worst = 0.0
        for (score, sequence) in zip(scores, fixture.sequences) {
            let error = ParityFixture.relativeError(score, sequence.score)
            worst = max(worst, error)
            #expect(error <= 1e-3, "\(name) length \(sequence.input_ids.count): winnow \(score), transformers \(sequence.score)")
        }
        print("parity \(name) packed: \(fixture.sequences.count) sequences in one pass, largest relative error \(worst)")
    }

    /// A small token budget splits the same sequences over many passes; scores must not move.
    @Test(arguments: fixtures)
    func packingDoesNotChangeScores(_ name: String) throws {
        let fixture = try ParityFixture(name)
        let ids = fixture.sequences.map(\.input_ids)
        let oneThread = try RewardModel(path: fixture.directory.path, options: .init(threads: 1, tokenBudget: 64))
        let packed = try RewardModel(path: fixture.directory.path, options: .init(threads: 2, tokenBudget: 4096))
        let a = try oneThread.score(ids), b = try packed.score(ids)
        for (x, y) in zip(a, b) {
            #expect(abs(x - y) <= 1e-5 * max(1, abs(x)))
        }
    }

    /// Weights left mapped in bf16 and widened tile by tile give the same scores.
    @Test(arguments: fixtures)
    func mappedBF16Weights(_ name: String) throws {
        let fixture = try ParityFixture(name)
        let model = try RewardModel(path: fixture.directory.path, options: .init(weightPrecision: .bfloat16))
        let scores = try model.score(fixture.sequences.map(\.input_ids))
        var worst = 0.0
        for (score, sequence) in zip(scores, fixture.sequences) {
            let error = ParityFixture.relativeError(score, sequence.score)
            worst = max(worst, error)
            #expect(error <= 1e-3, "\(name) length \(sequence.input_ids.count): winnow \(score), transformers \(sequence.score)")
        }
        print("parity \(name) bf16-mapped weights: largest relative error \(worst)")
    }

    /// A pad token at the end is not scored: transformers pools the last non-pad token.
    @Test func trailingPadTokensAreSkipped() throws {
        let fixture = try ParityFixture("llama-tiny")
        let model = try RewardModel(path: fixture.directory.path)
        let pad = Int32(try #require(model.configuration.padTokenID))
        let sequence = fixture.sequences[5]
        let withPadding = sequence.input_ids + [pad, pad]
        let score = try model.score([withPadding])[0]
        #expect(ParityFixture.relativeError(score, sequence.score) <= 1e-3)
    }
}
