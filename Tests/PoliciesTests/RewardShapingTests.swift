import Testing
@testable import Policies

@Suite struct RewardShapingTests {
    func expectClose(_ actual: [Double]?, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else { Issue.record("no values", sourceLocation: sourceLocation); return }
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            #expect(abs(a - e) <= 1e-12 * max(1, abs(e)), "\(actual) != \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test func grpoDividesBySampleStandardDeviationPlusEpsilon() throws {
        // mean 2.5, sample std sqrt(5/3) = 1.2909944487358056, + 1e-4.
        let result = try RewardShaping(baseline: .grpo).apply(to: try group([1, 2, 3, 4]))
        #expect(result.rewards == [1, 2, 3, 4])
        expectClose(result.advantages, [-1.161805010833055, -0.3872683369443517, 0.3872683369443517, 1.161805010833055])
    }

    @Test func grpoWithPopulationStandardDeviation() throws {
        // population std sqrt(1.25) = 1.118033988749895.
        let result = try RewardShaping(baseline: .grpo, deviation: .population).apply(to: try group([1, 2, 3, 4]))
        expectClose(result.advantages, [-1.3415207972320402, -0.4471735990773467, 0.4471735990773467, 1.3415207972320402])
    }

    @Test func grpoWithEqualScoresOrOneCandidateGivesZero() throws {
        #expect(try RewardShaping(baseline: .grpo).apply(to: try group([0.7, 0.7, 0.7])).advantages == [0, 0, 0])
        #expect(try RewardShaping(baseline: .grpo).apply(to: try group([0.7])).advantages == [0])
        #expect(try RewardShaping(baseline: .rloo).apply(to: try group([0.7])).advantages == [0])
    }

    @Test func rlooLeavesOneOut() throws {
        // 1 - (2+3+4)/3, 2 - (1+3+4)/3, 3 - (1+2+4)/3, 4 - (1+2+3)/3
        let result = try RewardShaping(baseline: .rloo).apply(to: try group([1, 2, 3, 4]))
        expectClose(result.advantages, [-2, -2.0 / 3, 2.0 / 3, 2])
        #expect(try RewardShaping(baseline: .rloo).apply(to: try group([5, 5])).advantages == [0, 0])
    }

    @Test func noBaselineGivesRewardsOnly() throws {
        let result = try RewardShaping(baseline: .none).apply(to: try group([1, 2]))
        #expect(result.rewards == [1, 2])
        #expect(result.advantages == nil)
    }

    @Test func lengthNormalisedAndPenalised() throws {
        let scores = try group([2, 3, -4], tokens: [4, 0, 8])
        #expect(try RewardShaping(length: .normalize, baseline: .none).apply(to: scores).rewards == [0.5, 3, -0.5])
        let penalised = try RewardShaping(length: .penalty(perToken: 0.25, freeTokens: 2), baseline: .none).apply(to: scores)
        #expect(penalised.rewards == [1.5, 3, -5.5])  // 2 - 0.25x2, 3 - 0 (1 token <= 2 free), -4 - 0.25x6
    }

    @Test func transformsApplyInOrder() throws {
        let scores = try group([3, -1])
        let clipThenScale = RewardShaping(transforms: [.clip(min: nil, max: 2), .affine(scale: 2, shift: 1)], baseline: .none)
        let scaleThenClip = RewardShaping(transforms: [.affine(scale: 2, shift: 1), .clip(min: nil, max: 2)], baseline: .none)
        #expect(try clipThenScale.apply(to: scores).rewards == [5, -1])
        #expect(try scaleThenClip.apply(to: scores).rewards == [2, -1])
        #expect(try RewardShaping(transforms: [.clip(min: 0, max: nil)], baseline: .none).apply(to: scores).rewards == [3, 0])
    }

    @Test func sigmoidAgainstAReferenceScore() throws {
        let result = try RewardShaping(transforms: [.sigmoid(reference: 1, temperature: 2)], baseline: .none)
            .apply(to: try group([3, 1]))
        expectClose(result.rewards, [0.7310585786300049, 0.5])  // 1 / (1 + e^-1), 1 / (1 + e^0)
    }

    @Test func lengthThenTransformsThenBaseline() throws {
        // [4/4, 8/2] = [1, 4] -> x2 - 1 = [1, 7] -> RLOO [-6, 6]
        let policy = RewardShaping(length: .normalize, transforms: [.affine(scale: 2, shift: -1)], baseline: .rloo)
        let result = try policy.apply(to: try group([4, 8], tokens: [4, 2]))
        #expect(result.rewards == [1, 7])
        #expect(result.advantages == [-6, 6])
    }

    @Test func overflowingTransformsAreAnError() throws {
        let policy = RewardShaping(transforms: [.affine(scale: 1e308, shift: 0)])
        #expect(throws: PolicyError.nonFiniteReward(candidate: 1)) { try policy.apply(to: try group([0.5, 10])) }
    }
}
