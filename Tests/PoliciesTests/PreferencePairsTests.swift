import Testing
@testable import Policies

@Suite struct PreferencePairsTests {
    typealias Pair = PreferencePairs.Pair
    // Ranking of [1, 3, 0, 2]: 1 (3), 3 (2), 0 (1), 2 (0).
    let scores: [Double] = [1, 3, 0, 2]

    @Test func bestVersusWorst() throws {
        #expect(PreferencePairs(strategy: .bestVsWorst).apply(to: try group(scores)) == [Pair(chosen: 1, rejected: 2, margin: 3)])
        #expect(PreferencePairs(strategy: .bestVsWorst, minMargin: 3).apply(to: try group(scores)).count == 1)
        #expect(PreferencePairs(strategy: .bestVsWorst, minMargin: 3.5).apply(to: try group(scores)).isEmpty)
    }

    @Test func bestVersusEveryCandidateBelowTheMargin() throws {
        #expect(PreferencePairs(strategy: .bestVsRest, minMargin: 1.5).apply(to: try group(scores))
            == [Pair(chosen: 1, rejected: 2, margin: 3), Pair(chosen: 1, rejected: 0, margin: 2)])
        #expect(PreferencePairs(strategy: .bestVsRest).apply(to: try group(scores)).map(\.rejected) == [2, 0, 3])
    }

    @Test func allPairsWidestFirstThenRankingOrderAndCapped() throws {
        let all = PreferencePairs(strategy: .allPairs, minMargin: 1).apply(to: try group(scores))
        #expect(all == [
            Pair(chosen: 1, rejected: 2, margin: 3),
            Pair(chosen: 1, rejected: 0, margin: 2), Pair(chosen: 3, rejected: 2, margin: 2),
            Pair(chosen: 1, rejected: 3, margin: 1), Pair(chosen: 3, rejected: 0, margin: 1), Pair(chosen: 0, rejected: 2, margin: 1),
        ])
        #expect(PreferencePairs(strategy: .allPairs, minMargin: 1, maxPairs: 2).apply(to: try group(scores)) == Array(all.prefix(2)))
        #expect(PreferencePairs(strategy: .allPairs, minMargin: 2.5).apply(to: try group(scores)) == [Pair(chosen: 1, rejected: 2, margin: 3)])
    }

    @Test func equalScoresNeverPair() throws {
        let tied = try group([2, 2, 1])
        #expect(PreferencePairs(strategy: .allPairs).apply(to: tied)
            == [Pair(chosen: 0, rejected: 2, margin: 1), Pair(chosen: 1, rejected: 2, margin: 1)])
        for strategy in PreferencePairs.Strategy.allCases {
            #expect(PreferencePairs(strategy: strategy).apply(to: try group([0.5, 0.5, 0.5])).isEmpty)
        }
    }

    @Test func singleCandidateHasNoPairs() throws {
        for strategy in PreferencePairs.Strategy.allCases {
            #expect(PreferencePairs(strategy: strategy).apply(to: try group([4])).isEmpty)
        }
    }
}
