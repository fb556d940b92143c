import Foundation
import Testing

/// End-to-end checks of the shipped demo reward model (deploy/local/demo-model): conversations
/// in, through the chat template, tokenizer and forward pass of the built `winnow` binary,
/// against the references transformers computed (scripts/make-demo-model.py → expected.json).
@Suite struct DemoModelTests {
    /// deploy/local/demo-model in the source tree.
    static let modelDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/local/demo-model")

    /// expected.json, kept as JSON values so messages go back out exactly as they were written.
    struct References {
        var conversations: [[String: Any]]
        var groups: [[String: Any]]

        static func load() throws -> References {
            let data = try Data(contentsOf: modelDirectory.appendingPathComponent("expected.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return References(conversations: try #require(object["conversations"] as? [[String: Any]]),
                              groups: try #require(object["groups"] as? [[String: Any]]))
        }
    }

    static func jsonLine(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func close(_ score: Double, _ reference: Double) -> Bool {
        abs(score - reference) <= 1e-3 * max(1, abs(reference))
    }

    @Test func scoresConversationsLikeTransformers() throws {
        let references = try References.load()
        try #require(!references.conversations.isEmpty)
        let input = try references.conversations.enumerated().map { i, conversation in
            try Self.jsonLine(["id": "conversation-\(i)", "messages": try #require(conversation["messages"])])
        }.joined(separator: "\n")
        let result = try CLI.run(["score", "--model", Self.modelDirectory.path], stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = CLI.lines(result.stdout)
        try #require(lines.count == references.conversations.count)
        for (i, (line, reference)) in zip(lines, references.conversations).enumerated() {
            #expect(line["id"] as? String == "conversation-\(i)")
            let ids = try #require(reference["ids"] as? [Int])
            #expect(line["num_tokens"] as? Int == ids.count, "conversation \(i)")
            let score = try #require(line["score"] as? Double, "conversation \(i): \(line)")
            let expected = try #require(reference["score"] as? Double)
            #expect(Self.close(score, expected), "conversation \(i): \(score) vs transformers \(expected)")
        }
    }

    @Test func picksTheSameBestCandidateAsTransformers() throws {
        let references = try References.load()
        try #require(!references.groups.isEmpty)
        let input = try references.groups.enumerated().map { i, group in
            try Self.jsonLine(["id": "group-\(i)", "prompt": try #require(group["prompt"]),
                               "candidates": try #require(group["candidates"])])
        }.joined(separator: "\n")
        let result = try CLI.run(["score", "--model", Self.modelDirectory.path], stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = CLI.lines(result.stdout)
        try #require(lines.count == references.groups.count)
        for (i, (line, reference)) in zip(lines, references.groups).enumerated() {
            #expect(line["id"] as? String == "group-\(i)")
            let scores = try #require(line["scores"] as? [Double], "group \(i): \(line)")
            let expected = try #require(reference["scores"] as? [Double])
            try #require(scores.count == expected.count, "group \(i)")
            for (j, (score, value)) in zip(scores, expected).enumerated() {
                #expect(Self.close(score, value), "group \(i) candidate \(j): \(score) vs transformers \(value)")
            }
            #expect(line["argmax"] as? Int == reference["argmax"] as? Int, "group \(i)")
        }
    }

    @Test func rendersAndTokenizesLikeTransformers() throws {
        let references = try References.load()
        let input = try references.conversations.enumerated().map { i, conversation in
            try Self.jsonLine(["id": i, "messages": try #require(conversation["messages"])])
        }.joined(separator: "\n")
        let result = try CLI.run(["tokenize", "--chat", "--model", Self.modelDirectory.path], stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = CLI.lines(result.stdout)
        try #require(lines.count == references.conversations.count)
        for (i, (line, reference)) in zip(lines, references.conversations).enumerated() {
            #expect(line["id"] as? Int == i)
            #expect(line["text"] as? String == reference["text"] as? String, "conversation \(i)")
            #expect(line["ids"] as? [Int] == reference["ids"] as? [Int], "conversation \(i)")
        }
    }
}
