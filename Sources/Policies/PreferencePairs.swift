import WinnowJSON

/// Preference pairs for DPO-style training: (chosen, rejected) candidates of one group whose
/// scores differ by at least `min_margin` (and by more than zero: equal scores say nothing
/// about preference).
public struct PreferencePairs: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable {
        /// The argmax against the lowest-ranked candidate: at most one pair.
        case bestVsWorst = "best_vs_worst"
        /// The argmax against every candidate at least `min_margin` below it.
        case bestVsRest = "best_vs_rest"
        /// Every pair at least `min_margin` apart.
        case allPairs = "all_pairs"
    }

    public var strategy: Strategy
    public var minMargin: Double
    /// At most this many pairs per group, the widest margins first.
    public var maxPairs: Int?

    public init(strategy: Strategy = .bestVsWorst, minMargin: Double = 0, maxPairs: Int? = nil) {
        self.strategy = strategy
        self.minMargin = minMargin
        self.maxPairs = maxPairs
    }

    /// One pair: candidate indices and `score[chosen] - score[rejected]`.
    public struct Pair: Sendable, Equatable {
        public var chosen: Int
        public var rejected: Int
        public var margin: Double

        public init(chosen: Int, rejected: Int, margin: Double) {
            self.chosen = chosen
            self.rejected = rejected
            self.margin = margin
        }
    }

    /// The group's pairs, widest margin first; equal margins in ranking order of the chosen, then
    /// of the rejected candidate.
    public func apply(to group: ScoredGroup) -> [Pair] {
        let ranking = group.ranking
        guard ranking.count >= 2 else { return [] }
        var candidates: [Pair] = []
        func consider(_ chosen: Int, _ rejected: Int) {
            let margin = group.scores[chosen] - group.scores[rejected]
            if margin > 0 && margin >= minMargin { candidates.append(Pair(chosen: chosen, rejected: rejected, margin: margin)) }
        }
        switch strategy {
        case .bestVsWorst:
            consider(ranking[0], ranking[ranking.count - 1])
        case .bestVsRest:
            for rejected in ranking.dropFirst() { consider(ranking[0], rejected) }
        case .allPairs:
            for (i, chosen) in ranking.enumerated() {
                for rejected in ranking[(i + 1)...] { consider(chosen, rejected) }
            }
        }
        // Pairs were generated in ranking order; a stable sort on the margin keeps that order
        // among equal margins.
        let position = Dictionary(uniqueKeysWithValues: ranking.enumerated().map { ($1, $0) })
        candidates.sort {
            if $0.margin != $1.margin { return $0.margin > $1.margin }
            if $0.chosen != $1.chosen { return position[$0.chosen]! < position[$1.chosen]! }
            return position[$0.rejected]! < position[$1.rejected]!
        }
        if let maxPairs, candidates.count > maxPairs { candidates.removeLast(candidates.count - maxPairs) }
        return candidates
    }
}

extension PreferencePairs {
    init(json: JSONValue, path: String) throws(PolicyError) {
        var fields = try PolicyFields(json, path: path)
        self.init(strategy: try fields.choice("strategy", Strategy.self) ?? .bestVsWorst,
                  minMargin: try fields.number("min_margin", ">= 0") { $0 >= 0 } ?? 0,
                  maxPairs: try fields.integer("max_pairs", minimum: 1))
        try fields.rejectUnknown()
    }

    var jsonValue: JSONValue {
        var out: JSONObject = ["strategy": .string(strategy.rawValue), "min_margin": .double(minMargin)]
        if let maxPairs { out["max_pairs"] = .int(maxPairs) }
        return .object(out)
    }
}
