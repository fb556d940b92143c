/// One group's candidate scores, checked and ranked: what every policy reads.
public struct ScoredGroup: Sendable, Equatable {
    /// The reward model's score per candidate, in candidate order.
    public let scores: [Double]
    /// Tokens of each candidate's response alone (for length-normalised and length-penalised
    /// rewards).
    public let responseTokens: [Int]
    /// Candidate indices, best first; equal scores keep candidate order, so the ranking (and
    /// everything decided from it) is deterministic.
    public let ranking: [Int]

    public var count: Int { scores.count }

    /// Refuses empty groups, mismatched lengths and NaN or infinite scores.
    public init(scores: [Float], responseTokens: [Int]) throws(PolicyError) {
        try self.init(scores: scores.map(Double.init), responseTokens: responseTokens)
    }

    public init(scores: [Double], responseTokens: [Int]) throws(PolicyError) {
        guard !scores.isEmpty else { throw .emptyGroup }
        guard scores.count == responseTokens.count else {
            throw .shapeMismatch(scores: scores.count, lengths: responseTokens.count)
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteScore(candidate: bad, score: scores[bad])
        }
        self.scores = scores
        self.responseTokens = responseTokens
        ranking = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }

    public var mean: Double { scores.reduce(0, +) / Double(count) }

    /// The middle score (the mean of the two middle ones for an even count).
    public var median: Double {
        let sorted = scores.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
