import ChatText
import Foundation
import WinnowJinja
import Policies
import RewardEngine
import Testing
@testable import WinnowService

@Suite struct PromptGroupDecoderTests {
    let decoder = PromptGroupDecoder(maxCandidates: 4)

    func decode(_ text: String) -> Result<PromptGroup, DeadLetter> { decoder.decode(Array(text.utf8)) }

    func reason(_ text: String) -> DeadLetter.Reason? {
        if case .failure(let letter) = decode(text) { return letter.reason }
        return nil
    }

    @Test func decodesMessagesAndCandidateForms() throws {
        let group = try decode("""
            {"group_id": "g1", "prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}],
             "candidates": ["4", {"id": "c2", "response": "5"}], "policy": {"rejection": {"top_k": 1}},
             "metadata": {"z": 1, "a": [true, null]}, "extra": "ignored"}
            """).get()
        #expect(group.groupID == "g1")
        guard case .messages(let messages) = group.prompt else { Issue.record("expected messages"); return }
        #expect(messages.count == 2)
        #expect(group.candidates == [PromptGroup.Candidate(response: "4"), PromptGroup.Candidate(id: "c2", response: "5")])
        #expect(group.policy == SelectionPolicy(rejection: RejectionSampling(topK: 1)))
        // Metadata keeps its key order for the passthrough.
        guard case .object(let metadata)? = group.metadata else { Issue.record("expected metadata"); return }
        #expect(metadata.keys == ["z", "a"])
    }

    @Test func decodesTextPrompt() throws {
        let group = try decode(#"{"group_id": "t", "prompt": "Q: 1+1\nA:", "candidates": [" 2"]}"#).get()
        #expect(group.prompt == .text("Q: 1+1\nA:"))
    }

    @Test(arguments: [
        "{not json",
        "",
        #"{"group_id": "g", "prompt": "p", "candidates": ["a"]} trailing"#,
    ])
    func malformedJSON(_ text: String) {
        #expect(reason(text) == .malformedJSON)
    }

    @Test func groupPoliciesOverrideTheDeploymentDefault() throws {
        let deployment = SelectionPolicy(rejection: RejectionSampling(topK: 2), pairs: PreferencePairs())
        let decoder = PromptGroupDecoder(maxCandidates: 4, defaultPolicy: deployment)
        func policy(_ json: String) throws -> SelectionPolicy {
            try decoder.decode(Array(#"{"group_id": "g", "prompt": "p", "candidates": ["a"]\#(json)}"#.utf8)).get().policy
        }
        #expect(try policy("") == deployment)
        #expect(try policy(#", "policy": null"#) == deployment)
        #expect(try policy(#", "policy": {"pairs": null, "rewards": {"baseline": "rloo"}}"#)
            == SelectionPolicy(rejection: RejectionSampling(topK: 2), rewards: RewardShaping(baseline: .rloo)))
    }

    @Test(arguments: [
        #"{"rejection": {"top_n": 1}}"#,
        #"{"rejection": {"top_k": 0}}"#,
        #"{"pairs": {"strategy": "best"}}"#,
        #"{"rewards": {"transforms": [{"clip": {"min": 3, "max": 1}}]}}"#,
        #"{"mode": "argmax"}"#,
        #""top_k""#,
    ])
    func invalidPoliciesAreDeadLetteredWithTheField(_ policy: String) {
        let result = decode(#"{"group_id": "g9", "prompt": "p", "candidates": ["a"], "policy": \#(policy)}"#)
        guard case .failure(let letter) = result else { Issue.record("accepted \(policy)"); return }
        #expect(letter.reason == .invalidPolicy)
        #expect(letter.message.hasPrefix("group g9: policy"), "\(letter.message)")
    }

    @Test func tombstoneAndNonUTF8AreMalformed() {
        #expect(decoder.decode(nil).failureReason == .malformedJSON)
        #expect(decoder.decode([0x7b, 0xff, 0xfe, 0x7d]).failureReason == .malformedJSON)
    }

    @Test(arguments: [
        #"[1, 2]"#,
        #"{"prompt": "p", "candidates": ["a"]}"#,
        #"{"group_id": "", "prompt": "p", "candidates": ["a"]}"#,
        #"{"group_id": 7, "prompt": "p", "candidates": ["a"]}"#,
        #"{"group_id": "g", "candidates": ["a"]}"#,
        #"{"group_id": "g", "prompt": 3, "candidates": ["a"]}"#,
        #"{"group_id": "g", "prompt": [], "candidates": ["a"]}"#,
        #"{"group_id": "g", "prompt": ["hi"], "candidates": ["a"]}"#,
        #"{"group_id": "g", "prompt": [{"content": "hi"}], "candidates": ["a"]}"#,
        #"{"group_id": "g", "prompt": [{"role": "user"}], "candidates": ["a"]}"#,
        #"{"group_id": "g", "prompt": "p"}"#,
        #"{"group_id": "g", "prompt": "p", "candidates": "a"}"#,
        #"{"group_id": "g", "prompt": "p", "candidates": [1]}"#,
        #"{"group_id": "g", "prompt": "p", "candidates": [{"id": "x"}]}"#,
        #"{"group_id": "g", "prompt": "p", "candidates": [{"id": 3, "response": "a"}]}"#,
        #"{"group_id": "g", "prompt": "p", "candidates": ["a"], "metadata": [1]}"#,
    ])
    func schemaViolation(_ text: String) {
        #expect(reason(text) == .schemaViolation, "\(text)")
    }

    @Test func noCandidates() {
        #expect(reason(#"{"group_id": "g", "prompt": "p", "candidates": []}"#) == .noCandidates)
    }

    @Test func tooManyCandidates() {
        #expect(reason(#"{"group_id": "g", "prompt": "p", "candidates": ["a", "b", "c", "d"]}"#) == nil)
        #expect(reason(#"{"group_id": "g", "prompt": "p", "candidates": ["a", "b", "c", "d", "e"]}"#) == .tooManyCandidates)
    }

    @Test func unknownRole() {
        #expect(reason(#"{"group_id": "g", "prompt": [{"role": "narrator", "content": "x"}], "candidates": ["a"]}"#) == .unknownRole)
    }

    @Test func messagesNameTheGroup() {
        guard case .failure(let letter) = decode(#"{"group_id": "g-77", "prompt": "p", "candidates": []}"#) else {
            Issue.record("expected a failure"); return
        }
        #expect(letter.message.contains("g-77"))
    }

    @Test func deadLetterJSONKeepsTheOriginalBytes() throws {
        let original: [UInt8] = [0x7b, 0xff, 0x00, 0x22]
        let letter = DeadLetter(.malformedJSON, "the record value is not UTF-8")
        let text = letter.json(original: original, key: [0xff, 0x01], source: RecordSource(topic: "in", partition: 2, offset: 41), groupID: nil)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        #expect(Data(base64Encoded: object["original"] as! String) == Data(original))
        #expect(object["key"] is NSNull)
        #expect(Data(base64Encoded: object["key_base64"] as! String) == Data([0xff, 0x01]))
        #expect((object["source"] as! [String: Any])["offset"] as? Int == 41)
        try expectMatchesSchema(object, "dead-letter")
        for reason in DeadLetter.Reason.allCases {
            let object = try JSONSerialization.jsonObject(with: Data(DeadLetter(reason, "m").json(
                original: nil, key: Array("k".utf8), source: RecordSource(topic: "t", partition: 0, offset: 0), groupID: "g").utf8)) as! [String: Any]
            try expectMatchesSchema(object, "dead-letter")
        }
    }
}

/// The reasons that need the model: rendering, tokenizing and length checks.
@Suite struct GroupTokenizerTests {
    static func tokenizer(maxLength: Int = 16384, modelDirectory: URL? = nil) throws -> GroupTokenizer {
        let directory = try modelDirectory ?? demoModelDirectory()
        let model = try RewardModel(path: directory.path, options: RewardModel.Options(threads: 1, maxSequenceLength: maxLength))
        let encoder = try ChatEncoder(directory: directory, maxLength: model.maxSequenceLength)
        return GroupTokenizer(encoder: encoder, model: model)
    }

    func group(_ text: String) throws -> PromptGroup {
        try PromptGroupDecoder(maxCandidates: 64).decode(Array(text.utf8)).get()
    }

    @Test func candidatesShareThePromptPrefix() throws {
        let tokenizer = try Self.tokenizer()
        let tokenized = try tokenizer.tokenize(group(#"{"group_id": "g", "prompt": [{"role": "user", "content": "What is 12 + 30?"}], "candidates": ["12 + 30 = 42.", "12 + 30 = 41.", "No idea"]}"#)).get()
        #expect(tokenized.numTokens.count == 3)
        #expect(!tokenized.scoring.prefix.isEmpty)
        // Each candidate's sequence is exactly what the chat encoder makes for prompt + assistant turn.
        let expected = try tokenizer.encoder.encode(messages: [["role": "user", "content": "What is 12 + 30?"], ["role": "assistant", "content": "12 + 30 = 41."]]).ids
        #expect(tokenized.scoring.sequence(1) == expected)
        #expect(tokenized.numTokens[1] == expected.count)
    }

    @Test func tooLong() throws {
        let tokenizer = try Self.tokenizer(maxLength: 32)
        let long = String(repeating: "many words here ", count: 40)
        let result = tokenizer.tokenize(try group(#"{"group_id": "g", "prompt": [{"role": "user", "content": "hi"}], "candidates": ["ok", "\#(long)"]}"#))
        #expect(result.failureReason == .tooLong)
    }

    @Test func tokenizerError() throws {
        // An empty text prompt and an empty response tokenize to no ids at all (this tokenizer adds no BOS).
        let tokenizer = try Self.tokenizer()
        let result = tokenizer.tokenize(try group(#"{"group_id": "g", "prompt": "", "candidates": [""]}"#))
        #expect(result.failureReason == .tokenizerError)
    }

    @Test func templateError() throws {
        // The demo model with a template that raises, as templates do for conversations they reject.
        let source = try demoModelDirectory()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name != "tokenizer_config.json" {
            try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("tokenizer_config.json"))) as! [String: Any]
        config["chat_template"] = "{% if messages[0].role != 'system' %}{{ raise_exception('the first message must be a system message') }}{% endif %}{{ messages[0].content }}"
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("tokenizer_config.json"))
        let tokenizer = try Self.tokenizer(modelDirectory: directory)
        let result = tokenizer.tokenize(try group(#"{"group_id": "g", "prompt": [{"role": "user", "content": "hi"}], "candidates": ["a"]}"#))
        #expect(result.failureReason == .templateError)
        if case .failure(let letter) = result { #expect(letter.message.contains("the first message must be a system message")) }
    }
}

extension Result where Failure == DeadLetter {
    var failureReason: DeadLetter.Reason? {
        if case .failure(let letter) = self { return letter.reason }
        return nil
    }
}
