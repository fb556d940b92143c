import WinnowJSON

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
    public func addFields(to record: inout JSONObject) {
        if let rejection {
            record["rejection"] = ["outcome": .string(rejection.kind.rawValue), "accepted": .array(rejection.accepted.map(JSONValue.int))]
        }
        if let pairs {
            record["pairs"] = .array(pairs.map { pair in
                ["chosen": .int(pair.chosen), "rejected": .int(pair.rejected), "margin": .double(pair.margin)]
            })
        }
        if let rewards {
            var o: JSONObject = ["values": .array(rewards.rewards.map(JSONValue.double))]
            if let advantages = rewards.advantages { o["advantages"] = .array(advantages.map(JSONValue.double)) }
            record["rewards"] = .object(o)
        }
    }
}
