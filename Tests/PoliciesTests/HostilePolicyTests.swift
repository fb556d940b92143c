import Testing
@testable import Policies

/// A record's `policy` is untrusted JSON: every hostile value is a `PolicyError` naming the field.
@Suite struct HostilePolicyTests {
    private func error(_ json: String) -> PolicyError? {
        do {
            _ = try SelectionPolicy(jsonText: json)
            return nil
        } catch {
            return error
        }
    }

    @Test func deepNestingAndBadUTF8AreErrors() {
        #expect(error(String(repeating: "{\"rejection\":", count: 100_000)) != nil)
        #expect(error(String(repeating: "[", count: 100_000)) != nil)
    }

    @Test func hugeAndNonFiniteNumbersNameTheirField() {
        for (json, field) in [(#"{"rejection": {"threshold": 1e999}}"#, "policy.rejection.threshold"),
                              (#"{"rejection": {"top_k": 1e300}}"#, "policy.rejection.top_k"),
                              (#"{"rejection": {"top_k": 99999999999999999999}}"#, "policy.rejection.top_k"),
                              (#"{"pairs": {"max_pairs": -9223372036854775808}}"#, "policy.pairs.max_pairs"),
                              (#"{"rewards": {"epsilon": -1e999}}"#, "policy.rewards.epsilon")] {
            guard case .invalid(let path, _)? = error(json) else { Issue.record("\(json) was accepted"); continue }
            #expect(path == field, "\(json)")
        }
    }

    /// The largest values that are valid stay valid (no overflow in what is derived from them).
    @Test func extremeValidIntegers() throws {
        let policy = try SelectionPolicy(jsonText: #"{"rejection": {"top_k": 9223372036854775807, "min_group_size": 1}, "pairs": {"strategy": "all_pairs", "max_pairs": 9223372036854775807}, "rewards": {"length": {"mode": "penalty", "per_token": 1, "free_tokens": 9223372036854775807}}}"#)
        #expect(policy.rejection != nil && policy.pairs != nil && policy.rewards != nil)
    }
}
