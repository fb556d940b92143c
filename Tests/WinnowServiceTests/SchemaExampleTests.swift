import Foundation
import WinnowJinja
import Policies
import Testing
import WinnowJSON
@testable import WinnowService

/// The schemas in schemas/ are the contract with the producers and consumers of the topics, and
/// their examples are what users copy. Checked with a real JSON Schema validator
/// (scripts/validate-json.py): every schema is valid 2020-12 and its $refs resolve, every example
/// satisfies its schema, prompt-group examples are accepted by the service's decoder, the policy
/// examples are what the policy parser accepts and writes, and what the service's writers produce
/// matches the output schemas.
@Suite struct SchemaExampleTests {
    static let names = ["prompt-group", "selection", "dead-letter", "sft-sample", "preference-pair"]

    static func schema(_ name: String) throws -> [String: Any] {
        let url = repositoryRoot.appendingPathComponent("schemas/\(name).schema.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func examples(_ name: String) throws -> [Any] {
        try schema(name)["examples"] as? [Any] ?? []
    }

    static func text(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    /// Every schema, and every `examples` and `default` anywhere in it.
    @Test func schemasAndTheirExamplesAreValid() {
        expectSchemasAndExamplesValid()
    }

    @Test(arguments: names)
    func examplesMatchTheirSchema(_ name: String) throws {
        let examples = try Self.examples(name)
        #expect(!examples.isEmpty, "\(name) has examples")
        guard !examples.isEmpty else { return }
        try expectMatchesSchema(jsonLines: examples.map(Self.text), name)
    }

    /// The validator reports what is wrong (and the helper turns that into an Issue) rather than
    /// passing whatever it is given.
    /// The validator really rejects: a selection without a required field fails with the reason.
    @Test func aRecordMissingARequiredFieldFails() throws {
        var selection = try #require(try Self.examples("selection").first as? [String: Any])
        selection["response_tokens"] = nil
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-invalid-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: selection).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try #require(runSchemaValidator(["selection", file.path], sourceLocation: #_sourceLocation))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("'response_tokens' is a required property"), "\(result.output)")
    }

    @Test func promptGroupExamplesDecode() throws {
        let decoder = PromptGroupDecoder(maxCandidates: 256)
        for example in try Self.examples("prompt-group") {
            let bytes = Array(try JSONSerialization.data(withJSONObject: example))
            let result = decoder.decode(bytes)
            if case .failure(let letter) = result { Issue.record("example rejected: \(letter)") }
        }
    }

    /// The policy examples in prompt-group.schema.json are policies the parser accepts (a
    /// section's examples as that section of a policy).
    @Test func policyExamplesParse() throws {
        let definitions = try #require(try Self.schema("prompt-group")["$defs"] as? [String: Any])
        var policies: [String] = []
        for (definition, wrap) in [("policy", nil), ("rejection", "rejection"), ("pairs", "pairs"), ("rewards", "rewards")] as [(String, String?)] {
            let examples = try #require((definitions[definition] as? [String: Any])?["examples"] as? [Any], "$defs/\(definition) has examples")
            #expect(!examples.isEmpty, "$defs/\(definition) has examples")
            for example in examples {
                policies.append(try Self.text(wrap.map { [$0: example] as [String: Any] } ?? example))
            }
        }
        for policy in policies {
            #expect(throws: Never.self, "\(policy)") { _ = try SelectionPolicy(jsonText: policy) }
        }
    }

    /// A selection example's `policy` is exactly what the service writes for that policy: every
    /// default spelled out.
    @Test func selectionExamplePoliciesAreSpelledOut() throws {
        var checked = 0
        for example in try Self.examples("selection") {
            guard let policy = (example as? [String: Any])?["policy"] else { continue }
            let example = try Self.text(policy)
            let written = try SelectionPolicy(jsonText: example).jsonValue.jsonText
            let reparsed = try JSONSerialization.jsonObject(with: Data(written.utf8))
            #expect((reparsed as? NSDictionary) == (policy as? NSDictionary), "example \(example), service writes \(written)")
            checked += 1
        }
        #expect(checked > 0, "a selection example has a policy")
    }

    /// Selections, SFT samples and preference pairs as the service writes them, for the
    /// prompt-group examples under policies that reach every field and outcome.
    @Test func writtenRecordsMatchTheirSchemas() throws {
        let policies = [
            "{}",
            #"{"rejection": {"threshold": 0, "top_fraction": 0.5, "when_none_pass": "best"}, "pairs": {"strategy": "all_pairs"},"#
                + #" "rewards": {"length": {"mode": "normalize"}, "transforms": [{"clip": {"min": -2}}, {"affine": {"scale": 0.5, "shift": 1}},"#
                + #" {"sigmoid": {"reference": 0.5, "temperature": 2}}], "baseline": "rloo"}}"#,
            #"{"rejection": {"threshold": 100}, "pairs": {"strategy": "best_vs_rest", "max_pairs": 1},"#
                + #" "rewards": {"length": {"mode": "penalty", "per_token": 0.01, "free_tokens": 2}, "baseline": "none"}}"#,
            #"{"rejection": {"margin_over_median": 0, "min_group_size": 3}, "pairs": {"min_margin": 1000}, "rewards": {"std": "population"}}"#,
        ]
        let model = Selection.ModelIdentity(name: "demo-model", revision: nil)
        var selections: [String] = [], samples: [String] = [], pairs: [String] = []
        for (p, policyText) in policies.enumerated() {
            let decoder = PromptGroupDecoder(maxCandidates: 256, defaultPolicy: try SelectionPolicy(jsonText: policyText))
            for (e, example) in try Self.examples("prompt-group").enumerated() {
                var record = try #require(example as? [String: Any])
                if p > 0 { record["policy"] = nil }  // the deployment's policy under test, not the example's own
                let group = try decoder.decode(Array(try JSONSerialization.data(withJSONObject: record))).get()
                let count = group.candidates.count
                let scores = (0..<count).map { Float((($0 * 7 + e) % 5)) * 0.75 - 1.5 }
                let responseTokens = group.candidates.map { $0.response.split(separator: " ").count }
                let selection = try Selection(group: group, scores: scores, numTokens: responseTokens.map { $0 + 20 },
                                              responseTokens: responseTokens)
                selections.append(selection.json(
                    model: model, metadata: group.metadata,
                    source: RecordSource(topic: "prompt-groups", partition: Int32(p), offset: Int64(e)),
                    timings: Selection.Timings(tokenizeMilliseconds: 0.25, scoreMilliseconds: 12.5, totalMilliseconds: 14.0625)))
                let training = TrainingRecords(group: group, selection: selection, model: model)
                samples += training.sftSamples
                pairs += training.preferencePairs
            }
        }
        #expect(!samples.isEmpty && !pairs.isEmpty, "the policies produce SFT samples and pairs to check")
        try expectMatchesSchema(jsonLines: selections, "selection")
        if !samples.isEmpty { try expectMatchesSchema(jsonLines: samples, "sft-sample") }
        if !pairs.isEmpty { try expectMatchesSchema(jsonLines: pairs, "preference-pair") }
    }

    @Test func deadLetterReasonsMatchTheSchemaEnum() throws {
        let reason = try #require((try Self.schema("dead-letter")["properties"] as? [String: Any])?["reason"] as? [String: Any])
        #expect(Set(reason["enum"] as? [String] ?? []) == Set(DeadLetter.Reason.allCases.map(\.rawValue)))
    }
}
