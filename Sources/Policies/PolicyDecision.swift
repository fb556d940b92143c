/// What a `SelectionPolicy` decided for one group. Candidates are named by their index in the
/// group's `candidates`.
public struct PolicyDecision: Sendable, Equatable {
    /// Candidate indices, best first (ties by candidate order).
    public var ranking: [Int]
    /// Nil when the policy has no rejection section.
    public var rejection: RejectionSampling.Outcome?
    /// Nil when the policy has no pairs section.
    public var pairs: [PreferencePairs.Pair]?
    /// Nil when the policy has no rewards section.
    public var rewards: RewardShaping.Result?

    public var argmax: Int { ranking[0] }

    /// Adds the decided sections to a result record, as `schemas/selection.schema.json` has them:
    ///
    ///     "rejection": {"outcome": "accepted", "accepted": [0, 2]},
    ///     "pairs": [{"chosen": 0, "rejected": 1, "margin": 5.375}],
    ///     "rewards": {"values": [...], "advantages": [...]}        (candidate order)
    public func addFields(to record: inout JSONWriter.Object) {
        if let rejection {
            var o = JSONWriter.Object()
            o.add("outcome", string: rejection.kind.rawValue)
            o.add("accepted", raw: JSONWriter.array(rejection.accepted))
            record.add("rejection", raw: o.text)
        }
        if let pairs {
            record.add("pairs", raw: JSONWriter.array(raw: pairs.map { pair in
                var o = JSONWriter.Object()
                o.add("chosen", int: pair.chosen)
                o.add("rejected", int: pair.rejected)
                o.add("margin", double: pair.margin)
                return o.text
            }))
        }
        if let rewards {
            var o = JSONWriter.Object()
            o.add("values", raw: JSONWriter.array(rewards.rewards))
            if let advantages = rewards.advantages { o.add("advantages", raw: JSONWriter.array(advantages)) }
            record.add("rewards", raw: o.text)
        }
    }
}
