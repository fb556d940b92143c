import WinnowJSON

/// What to take from one scored group besides the argmax and the ranking, which every result
/// has: rejection sampling (accepted samples), preference pairs, RL rewards. Each section is
/// optional; a deployment sets a default and each prompt group may override it.
///
/// The JSON form (`schemas/prompt-group.schema.json#/$defs/policy`):
///
///     {"rejection": {"threshold": 0.5, "top_k": 2, "min_group_size": 4, "when_none_pass": "best"},
///      "pairs": {"strategy": "best_vs_rest", "min_margin": 1.0, "max_pairs": 4},
///      "rewards": {"length": {"mode": "penalty", "per_token": 0.001}, "baseline": "grpo"}}
public struct SelectionPolicy: Sendable, Equatable {
    public var rejection: RejectionSampling?
    public var pairs: PreferencePairs?
    public var rewards: RewardShaping?

    public init(rejection: RejectionSampling? = nil, pairs: PreferencePairs? = nil, rewards: RewardShaping? = nil) {
        self.rejection = rejection
        self.pairs = pairs
        self.rewards = rewards
    }

    /// No section set: results carry the argmax and ranking only.
    public var isEmpty: Bool { rejection == nil && pairs == nil && rewards == nil }

    /// Reads and validates a policy object; `path` names it in error messages.
    public init(json: JSONValue, path: String = "policy") throws(PolicyError) {
        self = try SelectionPolicy().overridden(by: json, path: path)
    }

    /// Reads a policy from JSON text.
    public init(jsonText: String, path: String = "policy") throws(PolicyError) {
        let value: JSONValue
        do { value = try JSONValue(json: jsonText) } catch {
            throw .invalid(path: path, message: "is not JSON: \(error)")
        }
        try self.init(json: value, path: path)
    }

    /// This policy with a prompt group's own `policy` applied: each section the group names
    /// replaces this one's whole (fields it leaves out take their defaults, not this policy's
    /// values), `null` turns a section off, sections it does not name stay as they are.
    public func overridden(by json: JSONValue, path: String = "policy") throws(PolicyError) -> SelectionPolicy {
        var fields = try PolicyFields(json, path: path)
        var policy = self
        fields.allow(["rejection", "pairs", "rewards"])
        if case .object(let object) = json {
            if object["rejection"] != nil {
                policy.rejection = try fields.value("rejection").map { v throws(PolicyError) in try RejectionSampling(json: v, path: "\(path).rejection") }
            }
            if object["pairs"] != nil {
                policy.pairs = try fields.value("pairs").map { v throws(PolicyError) in try PreferencePairs(json: v, path: "\(path).pairs") }
            }
            if object["rewards"] != nil {
                policy.rewards = try fields.value("rewards").map { v throws(PolicyError) in try RewardShaping(json: v, path: "\(path).rewards") }
            }
        }
        try fields.rejectUnknown()
        return policy
    }

    /// Applies every section to `group`.
    public func decide(_ group: ScoredGroup) throws(PolicyError) -> PolicyDecision {
        PolicyDecision(ranking: group.ranking,
                       rejection: rejection?.apply(to: group),
                       pairs: pairs?.apply(to: group),
                       rewards: try rewards?.apply(to: group))
    }

    /// The policy with every default spelled out, as results record it.
    public var jsonValue: JSONValue {
        var out = JSONObject()
        if let rejection { out["rejection"] = rejection.jsonValue }
        if let pairs { out["pairs"] = pairs.jsonValue }
        if let rewards { out["rewards"] = rewards.jsonValue }
        return .object(out)
    }
}
