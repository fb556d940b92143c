import Foundation
import Testing
@testable import RewardEngine

/// Deterministic pseudo-random ids in `1..<vocabulary` (never 0, the qwen fixture's pad id).
func randomIDs(_ count: Int, seed: inout UInt64, vocabulary: Int) -> [Int32] {
    (0..<count).map { _ in
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return Int32(1 + Int(seed >> 33) % (vocabulary - 1))
    }
}

/// Shared-prefix scoring must give each candidate the score of its full sequence scored alone.
@Suite struct GroupScoringTests {
    static let fixtures = ["qwen3-tiny", "llama-tiny", "gemma2-tiny"]

    func assertMatchesIndependent(_ model: RewardModel, _ groups: [ScoringGroup], _ label: String) throws {
        let grouped = try model.score(groups: groups)
        let independent = try model.score(groups.flatMap { g in (0..<g.candidateCount).map { g.sequence($0) } },
                                          minimumSharedPrefix: .max)
        var k = 0, worst = 0.0
        for (g, group) in groups.enumerated() {
            #expect(grouped[g].count == group.candidateCount)
            for i in 0..<group.candidateCount {
                let error = Double(abs(grouped[g][i] - independent[k])) / max(1, Double(abs(independent[k])))
                worst = max(worst, error)
                #expect(error <= 1e-3, "\(label) group \(g) candidate \(i): grouped \(grouped[g][i]) vs alone \(independent[k])")
                k += 1
            }
        }
        print("group parity \(label): \(k) candidates, largest relative error \(worst)")
    }

    @Test(arguments: fixtures)
    func bestOfEightWithMixedSuffixes(_ name: String) throws {
        let fixture = try ParityFixture(name)
        let model = try RewardModel(path: fixture.directory.path)
        let vocabulary = model.configuration.vocabularySize
        var seed: UInt64 = 7
        let pad = Int32(model.configuration.padTokenID ?? 0)
        let groups = [
            ScoringGroup(prefix: randomIDs(150, seed: &seed, vocabulary: vocabulary),
                         suffixes: [40, 1, 0, 75, 128, 3, 60, 17].map { randomIDs($0, seed: &seed, vocabulary: vocabulary) }),
            ScoringGroup(prefix: randomIDs(20, seed: &seed, vocabulary: vocabulary),
                         suffixes: [randomIDs(30, seed: &seed, vocabulary: vocabulary)]),  // a group of one
            ScoringGroup(prefix: [], suffixes: [randomIDs(12, seed: &seed, vocabulary: vocabulary)]),
            // A suffix of pad tokens only: the score is read at the prefix's last token.
            ScoringGroup(prefix: randomIDs(33, seed: &seed, vocabulary: vocabulary),
                         suffixes: [[pad, pad], randomIDs(5, seed: &seed, vocabulary: vocabulary) + [pad]]),
        ]
        try assertMatchesIndependent(model, groups, "\(name) best-of-8")
    }

    /// Hundreds of candidates and a budget far smaller than the group: the prefix is carried
    /// across passes in the prefix cache, and a prefix longer than the budget gets its own pass.
    @Test(arguments: fixtures)
    func groupsLargerThanThePassBudget(_ name: String) throws {
        let fixture = try ParityFixture(name)
        let model = try RewardModel(path: fixture.directory.path, options: .init(tokenBudget: 96))
        let vocabulary = model.configuration.vocabularySize
        var seed: UInt64 = 11
        let groups = [
            ScoringGroup(prefix: randomIDs(40, seed: &seed, vocabulary: vocabulary),
                         suffixes: (0..<300).map { randomIDs(1 + $0 % 13, seed: &seed, vocabulary: vocabulary) }),
            ScoringGroup(prefix: randomIDs(200, seed: &seed, vocabulary: vocabulary),  // prefix > budget
                         suffixes: (0..<5).map { randomIDs(10 + $0, seed: &seed, vocabulary: vocabulary) }),
            ScoringGroup(prefix: randomIDs(10, seed: &seed, vocabulary: vocabulary),
                         suffixes: [randomIDs(120, seed: &seed, vocabulary: vocabulary)]),  // suffix > budget
        ]
        try assertMatchesIndependent(model, groups, "\(name) oversized groups")
    }

    /// `score(_:)` finds shared prefixes among independent sequences by itself.
    @Test func independentSequencesAreGroupedByTheirCommonPrefix() throws {
        let fixture = try ParityFixture("qwen3-tiny")
        let model = try RewardModel(path: fixture.directory.path)
        var seed: UInt64 = 3
        let promptA = randomIDs(64, seed: &seed, vocabulary: 512), promptB = randomIDs(48, seed: &seed, vocabulary: 512)
        var sequences: [[Int32]] = []
        for i in 0..<6 { sequences.append((i % 2 == 0 ? promptA : promptB) + randomIDs(10 + i, seed: &seed, vocabulary: 512)) }
        sequences.append(randomIDs(30, seed: &seed, vocabulary: 512))
        let clusters = PrefixGrouping.groups(sequences)
        #expect(clusters == [[0, 2, 4], [1, 3, 5], [6]])
        let grouped = try model.score(sequences)
        let alone = try model.score(sequences, minimumSharedPrefix: .max)
        for (a, b) in zip(grouped, alone) { #expect(abs(a - b) <= 1e-3 * max(1, abs(b))) }
        // And against transformers itself: fixture sequences extended by shared continuations.
        let reference = fixture.sequences[11]
        let shared = try model.score([reference.input_ids, reference.input_ids + [5, 6], reference.input_ids + [7]])
        #expect(ParityFixture.relativeError(shared[0], reference.score) <= 1e-3)
    }

    @Test func commonPrefixOfSequences() {
        let group = ScoringGroup(sequences: [[1, 2, 3, 4], [1, 2, 3], [1, 2, 5]])
        #expect(group.prefix == [1, 2])
        #expect(group.suffixes == [[3, 4], [3], [5]])
        #expect(ScoringGroup(sequences: [[1, 2]]) == ScoringGroup(prefix: [], suffixes: [[1, 2]]))
        #expect(ScoringGroup(sequences: [[1, 2], [1, 2]]) == ScoringGroup(prefix: [1, 2], suffixes: [[], []]))
    }
}

@Suite struct PassPlannerTests {
    @Test func wholeGroupsArePackedWhileTheyFit() {
        let planner = PassPlanner(tokenBudget: 10, padTokenID: nil)
        let groups = [
            ScoringGroup(prefix: [1, 1, 1], suffixes: [[2], [3]]),        // 5 tokens
            ScoringGroup(prefix: [], suffixes: [[4, 4, 4, 4]]),            // 4 tokens
            ScoringGroup(prefix: [5, 5], suffixes: [[6, 6], [7, 7]]),      // 6 tokens: next pass
        ]
        let passes = planner.plan(groups)
        #expect(passes.map(\.tokenCount) == [9, 6])
        #expect(passes[0].segments.map(\.length) == [3, 1, 1, 4])
        #expect(passes[0].segments[0].stores == PrefixCache.Slot(offset: 0, count: 3))
        #expect(passes[0].segments[1].context == PrefixCache.Slot(offset: 0, count: 3))
        #expect(passes[0].positions == [0, 1, 2, 3, 3, 0, 1, 2, 3])
        #expect(passes.flatMap { $0.scored.map(\.output) }.sorted() == [0, 1, 2, 3, 4])
    }

    @Test func anOversizedGroupCarriesItsPrefix() {
        let planner = PassPlanner(tokenBudget: 6, padTokenID: nil)
        let passes = planner.plan([ScoringGroup(prefix: [1, 1, 1, 1], suffixes: [[2, 2], [3, 3], [4], [5, 5, 5]])])
        #expect(passes.map(\.tokenCount) == [6, 6])
        #expect(passes[1].segments.allSatisfy { $0.context == PrefixCache.Slot(offset: 0, count: 4) })
        #expect(passes.flatMap { $0.scored.map(\.output) }.sorted() == [0, 1, 2, 3])
    }

    @Test func candidatesEndingInPadAreReadFromThePrefix() {
        let planner = PassPlanner(tokenBudget: 100, padTokenID: 0)
        let passes = planner.plan([ScoringGroup(prefix: [1, 2, 3], suffixes: [[0, 0], [4, 0]])])
        #expect(passes.count == 1)
        // Only the second suffix is computed; the first candidate is scored at prefix row 2.
        #expect(passes[0].segments.map(\.length) == [3, 2])
        #expect(passes[0].scored.map(\.row) == [2, 3])
    }
}
