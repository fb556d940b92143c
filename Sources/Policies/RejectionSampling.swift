import WinnowJSON

/// Rejection sampling: which candidates of a group are good enough to keep (for SFT data).
///
/// Every criterion that is set must hold: `score >= threshold`, `score >= mean + margin_over_mean`,
/// `score >= median + margin_over_median`; of the candidates that pass, the best `top_k` and the
/// best `top_fraction` (rounded up) are kept, ties at the cut going to the earlier candidate.
public struct RejectionSampling: Sendable, Equatable {
    /// What a group gets when no candidate passes.
    public enum Fallback: String, Sendable, CaseIterable {
        /// Nothing is accepted.
        case empty
        /// The argmax is accepted anyway.
        case best
    }

    public var threshold: Double?
    public var topK: Int?
    /// In (0, 1]: keep the best ceil(fraction x N) candidates.
    public var topFraction: Double?
    public var marginOverMean: Double?
    public var marginOverMedian: Double?
    /// Groups with fewer candidates accept nothing (too few to judge what is good); the fallback
    /// does not apply to them.
    public var minGroupSize: Int
    public var whenNonePass: Fallback

    public init(threshold: Double? = nil, topK: Int? = nil, topFraction: Double? = nil, marginOverMean: Double? = nil,
                marginOverMedian: Double? = nil, minGroupSize: Int = 1, whenNonePass: Fallback = .empty) {
        self.threshold = threshold
        self.topK = topK
        self.topFraction = topFraction
        self.marginOverMean = marginOverMean
        self.marginOverMedian = marginOverMedian
        self.minGroupSize = minGroupSize
        self.whenNonePass = whenNonePass
    }

    /// What was decided for one group.
    public struct Outcome: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// Some candidates passed.
            case accepted
            /// None passed and the policy keeps nothing.
            case nonePassed = "none_passed"
            /// None passed; the argmax was kept by `when_none_pass: "best"`.
            case fellBackToBest = "fell_back_to_best"
            /// Fewer candidates than `min_group_size`.
            case groupTooSmall = "group_too_small"
        }

        public var kind: Kind
        /// Accepted candidate indices, best first.
        public var accepted: [Int]
    }

    public func apply(to group: ScoredGroup) -> Outcome {
        guard group.count >= minGroupSize else { return Outcome(kind: .groupTooSmall, accepted: []) }
        var floor = -Double.infinity
        if let threshold { floor = max(floor, threshold) }
        if let marginOverMean { floor = max(floor, group.mean + marginOverMean) }
        if let marginOverMedian { floor = max(floor, group.median + marginOverMedian) }
        var passed = group.ranking.filter { group.scores[$0] >= floor }
        var limit = passed.count
        if let topK { limit = min(limit, topK) }
        if let topFraction {
            // The small slack keeps 0.3 x 10 (= 3.0000000000000004 in floating point) at 3.
            limit = min(limit, Int((topFraction * Double(group.count) - 1e-9).rounded(.up)))
        }
        passed = Array(passed.prefix(limit))
        if !passed.isEmpty { return Outcome(kind: .accepted, accepted: passed) }
        switch whenNonePass {
        case .empty: return Outcome(kind: .nonePassed, accepted: [])
        case .best: return Outcome(kind: .fellBackToBest, accepted: [group.ranking[0]])
        }
    }
}

extension RejectionSampling {
    init(json: JSONValue, path: String) throws(PolicyError) {
        var fields = try PolicyFields(json, path: path)
        self.init(threshold: try fields.number("threshold"),
                  topK: try fields.integer("top_k", minimum: 1),
                  topFraction: try fields.number("top_fraction", "in (0, 1]") { $0 > 0 && $0 <= 1 },
                  marginOverMean: try fields.number("margin_over_mean"),
                  marginOverMedian: try fields.number("margin_over_median"),
                  minGroupSize: try fields.integer("min_group_size", minimum: 1) ?? 1,
                  whenNonePass: try fields.choice("when_none_pass", Fallback.self) ?? .empty)
        try fields.rejectUnknown()
    }

    var jsonValue: JSONValue {
        var out = JSONObject()
        if let threshold { out["threshold"] = .double(threshold) }
        if let topK { out["top_k"] = .int(topK) }
        if let topFraction { out["top_fraction"] = .double(topFraction) }
        if let marginOverMean { out["margin_over_mean"] = .double(marginOverMean) }
        if let marginOverMedian { out["margin_over_median"] = .double(marginOverMedian) }
        out["min_group_size"] = .int(minGroupSize)
        out["when_none_pass"] = .string(whenNonePass.rawValue)
        return .object(out)
    }
}
