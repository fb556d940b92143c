import Testing
@testable import Policies

@Suite struct ScoredGroupTests {
    @Test func rankingIsBestFirstWithTiesInCandidateOrder() throws {
        let group = try ScoredGroup(scores: [1, 3, 3, 2, 3] as [Double], responseTokens: [1, 1, 1, 1, 1])
        #expect(group.ranking == [1, 2, 4, 3, 0])
    }

    @Test func singleCandidate() throws {
        let group = try ScoredGroup(scores: [-0.5] as [Double], responseTokens: [7])
        #expect(group.ranking == [0])
        #expect(group.mean == -0.5)
        #expect(group.median == -0.5)
    }

    @Test func meanAndMedian() throws {
        #expect(try ScoredGroup(scores: [0, 1, 2, 5] as [Double], responseTokens: [1, 1, 1, 1]).median == 1.5)
        #expect(try ScoredGroup(scores: [5, 0, 1] as [Double], responseTokens: [1, 1, 1]).median == 1)
        #expect(try ScoredGroup(scores: [0, 1, 2, 5] as [Double], responseTokens: [1, 1, 1, 1]).mean == 2)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteScoresAreRejected(_ bad: Float) {
        #expect(throws: PolicyError.self) { try ScoredGroup(scores: [1, bad, 0], responseTokens: [1, 1, 1]) }
        do {
            _ = try ScoredGroup(scores: [1, bad, 0], responseTokens: [1, 1, 1])
        } catch {
            guard case .nonFiniteScore(let candidate, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(candidate == 1)
            #expect("\(error)".contains("candidate 1 has a non-finite score"))
        }
    }

    @Test func emptyAndMismatchedGroupsAreRejected() {
        #expect(throws: PolicyError.emptyGroup) { try ScoredGroup(scores: [Double](), responseTokens: []) }
        #expect(throws: PolicyError.shapeMismatch(scores: 2, lengths: 1)) { try ScoredGroup(scores: [1, 2] as [Double], responseTokens: [3]) }
    }
}

/// `ScoredGroup` from literal scores, each response 10 tokens unless given.
func group(_ scores: [Double], tokens: [Int]? = nil) throws -> ScoredGroup {
    try ScoredGroup(scores: scores, responseTokens: tokens ?? scores.map { _ in 10 })
}
