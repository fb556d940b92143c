import Testing
@testable import Policies

@Suite struct RejectionSamplingTests {
    typealias Outcome = RejectionSampling.Outcome

    @Test func thresholdIsInclusiveAndAcceptedAreBestFirst() throws {
        let outcome = RejectionSampling(threshold: 1.0).apply(to: try group([0.5, 1.0, -1.0, 2.0]))
        #expect(outcome == Outcome(kind: .accepted, accepted: [3, 1]))
    }

    @Test func topKBreaksTiesByCandidateOrder() throws {
        #expect(RejectionSampling(topK: 1).apply(to: try group([2, 2, 1])).accepted == [0])
        #expect(RejectionSampling(topK: 2).apply(to: try group([1, 2, 2])).accepted == [1, 2])
        #expect(RejectionSampling(topK: 5).apply(to: try group([1, 2])).accepted == [1, 0])
    }

    @Test func topFractionRoundsUp() throws {
        #expect(RejectionSampling(topFraction: 0.5).apply(to: try group([1, 3, 2])).accepted == [1, 2])  // ceil(1.5)
        #expect(RejectionSampling(topFraction: 0.25).apply(to: try group([1, 3, 2, 0])).accepted == [1])
        #expect(RejectionSampling(topFraction: 0.01).apply(to: try group([1, 3])).accepted == [1])
        // 0.3 x 10 is 3.0000000000000004 in floating point: still 3.
        let ten = try group((0..<10).map(Double.init))
        #expect(RejectionSampling(topFraction: 0.3).apply(to: ten).accepted == [9, 8, 7])
        #expect(RejectionSampling(topFraction: 1).apply(to: ten).accepted.count == 10)
    }

    @Test func marginOverMeanAndMedian() throws {
        let scores = try group([0, 1, 2, 5])  // mean 2, median 1.5
        #expect(RejectionSampling(marginOverMean: 1).apply(to: scores).accepted == [3])
        #expect(RejectionSampling(marginOverMean: 0).apply(to: scores).accepted == [3, 2])
        #expect(RejectionSampling(marginOverMedian: 0.5).apply(to: scores).accepted == [3, 2])
        #expect(RejectionSampling(marginOverMedian: -0.5).apply(to: scores).accepted == [3, 2, 1])
    }

    @Test func everyCriterionMustHoldThenTheCountLimits() throws {
        let scores = try group([3, 0.5, 2, 4, 1])  // mean 2.1
        let policy = RejectionSampling(threshold: 1, topK: 2, marginOverMean: 0)
        #expect(policy.apply(to: scores).accepted == [3, 0])  // 4 and 3 pass all; 2 fails the mean
        #expect(RejectionSampling(threshold: 1, topFraction: 0.2).apply(to: scores).accepted == [3])
    }

    @Test func nothingPassing() throws {
        let scores = try group([0.1, 0.4, 0.2])
        #expect(RejectionSampling(threshold: 1).apply(to: scores) == Outcome(kind: .nonePassed, accepted: []))
        #expect(RejectionSampling(threshold: 1, whenNonePass: .best).apply(to: scores)
            == Outcome(kind: .fellBackToBest, accepted: [1]))
    }

    @Test func groupsBelowTheMinimumSizeAcceptNothingEvenWithTheFallback() throws {
        let policy = RejectionSampling(topK: 1, minGroupSize: 4, whenNonePass: .best)
        #expect(policy.apply(to: try group([1, 2, 3])) == Outcome(kind: .groupTooSmall, accepted: []))
        #expect(policy.apply(to: try group([1, 2, 3, 0])) == Outcome(kind: .accepted, accepted: [2]))
    }

    @Test func allEqualScores() throws {
        let scores = try group([1.5, 1.5, 1.5])
        #expect(RejectionSampling(marginOverMean: 0).apply(to: scores).accepted == [0, 1, 2])
        #expect(RejectionSampling(marginOverMean: 0.1).apply(to: scores).kind == .nonePassed)
        #expect(RejectionSampling(topK: 1).apply(to: scores).accepted == [0])
    }

    @Test func singleCandidate() throws {
        #expect(RejectionSampling(threshold: 0).apply(to: try group([0.5])).accepted == [0])
        #expect(RejectionSampling(threshold: 1).apply(to: try group([0.5])).kind == .nonePassed)
        #expect(RejectionSampling(marginOverMean: 0).apply(to: try group([-3])).accepted == [0])
        #expect(RejectionSampling(minGroupSize: 2).apply(to: try group([9])).kind == .groupTooSmall)
    }
}
