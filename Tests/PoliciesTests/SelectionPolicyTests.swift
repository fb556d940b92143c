import WinnowJSON
import Testing
@testable import Policies

@Suite struct SelectionPolicyTests {
    @Test func readsEverySection() throws {
        let policy = try SelectionPolicy(jsonText: """
        {"rejection": {"threshold": 0.5, "top_k": 2, "top_fraction": 0.5, "margin_over_mean": 0.1,
                       "margin_over_median": 0, "min_group_size": 4, "when_none_pass": "best"},
         "pairs": {"strategy": "all_pairs", "min_margin": 1, "max_pairs": 3},
         "rewards": {"length": {"mode": "penalty", "per_token": 0.01, "free_tokens": 100},
                     "transforms": [{"clip": {"min": -5}}, {"affine": {"scale": 0.5, "shift": 1}},
                                    {"sigmoid": {"reference": 0.2, "temperature": 2}}],
                     "baseline": "rloo", "epsilon": 0.001, "std": "population"}}
        """)
        #expect(policy.rejection == RejectionSampling(threshold: 0.5, topK: 2, topFraction: 0.5, marginOverMean: 0.1,
                                                      marginOverMedian: 0, minGroupSize: 4, whenNonePass: .best))
        #expect(policy.pairs == PreferencePairs(strategy: .allPairs, minMargin: 1, maxPairs: 3))
        #expect(policy.rewards == RewardShaping(length: .penalty(perToken: 0.01, freeTokens: 100),
                                                transforms: [.clip(min: -5, max: nil), .affine(scale: 0.5, shift: 1),
                                                             .sigmoid(reference: 0.2, temperature: 2)],
                                                baseline: .rloo, epsilon: 0.001, deviation: .population))
        // What results record is read back to the same policy.
        #expect(try SelectionPolicy(jsonText: policy.jsonValue.jsonText) == policy)
    }

    @Test func defaultsAreSpelledOut() throws {
        let policy = try SelectionPolicy(jsonText: #"{"rejection": {}, "pairs": {}, "rewards": {}}"#)
        #expect(policy.jsonValue.jsonText == #"{"rejection":{"min_group_size":1,"when_none_pass":"empty"},"pairs":{"strategy":"best_vs_worst","min_margin":0.0},"rewards":{"transforms":[],"baseline":"grpo","epsilon":0.0001,"std":"sample"}}"#)
        #expect(try SelectionPolicy(jsonText: "{}").isEmpty)
    }

    @Test(arguments: [
        (#"[]"#, "policy: must be an object"),
        (#"{"rejection": {"top_n": 2}}"#, "policy.rejection.top_n: unknown field"),
        (#"{"rejections": {}}"#, "policy.rejections: unknown field"),
        (#"{"rejection": {"top_k": 0}}"#, "policy.rejection.top_k: must be an integer >= 1"),
        (#"{"rejection": {"top_k": 1.5}}"#, "policy.rejection.top_k: must be an integer >= 1"),
        (#"{"rejection": {"top_k": "2"}}"#, "policy.rejection.top_k: must be an integer >= 1"),
        (#"{"rejection": {"top_fraction": 1.5}}"#, "policy.rejection.top_fraction: must be in (0, 1], got 1.5"),
        (#"{"rejection": {"threshold": "high"}}"#, "policy.rejection.threshold: must be a finite number"),
        (#"{"rejection": {"when_none_pass": "all"}}"#, #"policy.rejection.when_none_pass: must be one of "empty", "best""#),
        (#"{"rejection": 3}"#, "policy.rejection: must be an object"),
        (#"{"pairs": {"strategy": "best"}}"#, "policy.pairs.strategy: must be one of"),
        (#"{"pairs": {"min_margin": -1}}"#, "policy.pairs.min_margin: must be >= 0"),
        (#"{"pairs": {"max_pairs": 0}}"#, "policy.pairs.max_pairs: must be an integer >= 1"),
        (#"{"rewards": {"baseline": "ppo"}}"#, "policy.rewards.baseline: must be one of"),
        (#"{"rewards": {"epsilon": 0}}"#, "policy.rewards.epsilon: must be > 0"),
        (#"{"rewards": {"length": {}}}"#, "policy.rewards.length.mode: is required"),
        (#"{"rewards": {"length": {"mode": "penalty"}}}"#, "policy.rewards.length.per_token: is required"),
        (#"{"rewards": {"length": {"mode": "normalize", "per_token": 1}}}"#, "policy.rewards.length.per_token: unknown field"),
        (#"{"rewards": {"transforms": {"clip": {}}}}"#, "policy.rewards.transforms: must be an array"),
        (#"{"rewards": {"transforms": [{"clip": {}}]}}"#, "policy.rewards.transforms[0].clip: needs"),
        (#"{"rewards": {"transforms": [{"clip": {"min": 2, "max": 1}}]}}"#, "policy.rewards.transforms[0].clip: min (2.0) is above max (1.0)"),
        (#"{"rewards": {"transforms": [{"exp": {}}]}}"#, #"policy.rewards.transforms[0]: unknown transform "exp""#),
        (#"{"rewards": {"transforms": [{"clip": {"min": 0}, "affine": {}}]}}"#, "policy.rewards.transforms[0]: must be an object with exactly one"),
        (#"{"rewards": {"transforms": [{"sigmoid": {"temperature": 0}}]}}"#, "policy.rewards.transforms[0].sigmoid.temperature: must be > 0"),
        (#"{"rewards": {"std": "biased"}}"#, "policy.rewards.std: must be one of"),
        ("{", "policy: is not JSON"),
    ])
    func invalidPoliciesNameTheField(_ json: String, _ message: String) {
        do {
            _ = try SelectionPolicy(jsonText: json)
            Issue.record("\(json) was accepted")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test func groupOverridesReplaceWholeSectionsAndNullTurnsOneOff() throws {
        let deployment = try SelectionPolicy(jsonText: #"{"rejection": {"top_k": 2, "min_group_size": 4}, "pairs": {}}"#)
        let group = try deployment.overridden(by: try JSONValue(json: #"{"rejection": {"threshold": 1}, "pairs": null, "rewards": {"baseline": "rloo"}}"#))
        #expect(group.rejection == RejectionSampling(threshold: 1))
        #expect(group.pairs == nil)
        #expect(group.rewards == RewardShaping(baseline: .rloo))
        #expect(try deployment.overridden(by: try JSONValue(json: "{}")) == deployment)
        #expect(throws: PolicyError.self) { try deployment.overridden(by: try JSONValue(json: #"{"pairs": {"strategy": 1}}"#)) }
    }

    @Test func decidesAndRecordsEverySection() throws {
        let policy = SelectionPolicy(rejection: RejectionSampling(topK: 1), pairs: PreferencePairs(),
                                     rewards: RewardShaping(baseline: .rloo))
        let decision = try policy.decide(try group([1, 3, 2]))
        #expect(decision.argmax == 1)
        #expect(decision.ranking == [1, 2, 0])
        var record = JSONObject()
        decision.addFields(to: &record)
        #expect(JSONValue.object(record).jsonText == #"{"rejection":{"outcome":"accepted","accepted":[1]},"pairs":[{"chosen":1,"rejected":0,"margin":2.0}],"rewards":{"values":[1.0,3.0,2.0],"advantages":[-1.5,1.5,0.0]}}"#)

        var empty = JSONObject()
        try SelectionPolicy().decide(try group([1])).addFields(to: &empty)
        #expect(JSONValue.object(empty).jsonText == "{}")
    }
}
