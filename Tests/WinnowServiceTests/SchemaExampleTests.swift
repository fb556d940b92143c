import Foundation
import Testing
@testable import Winnow

/// The examples in schemas/*.schema.json are what users copy: each must satisfy its own schema,
/// and every prompt-group example must be accepted by the service's decoder.
@Suite struct SchemaExampleTests {
    static func examples(_ name: String) throws -> [Any] {
        let url = repositoryRoot.appendingPathComponent("schemas/\(name).schema.json")
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return schema["examples"] as? [Any] ?? []
    }

    @Test(arguments: ["prompt-group", "selection", "dead-letter"])
    func examplesMatchTheirSchema(_ name: String) throws {
        let examples = try Self.examples(name)
        #expect(!examples.isEmpty, "\(name) has examples")
        for example in examples {
            try expectMatchesSchema(try #require(example as? [String: Any]), name)
        }
    }

    @Test func promptGroupExamplesDecode() throws {
        let decoder = PromptGroupDecoder(maxCandidates: 256)
        for example in try Self.examples("prompt-group") {
            let bytes = Array(try JSONSerialization.data(withJSONObject: example))
            let result = decoder.decode(bytes)
            if case .failure(let letter) = result { Issue.record("example rejected: \(letter)") }
        }
    }

    @Test func deadLetterReasonsMatchTheSchemaEnum() throws {
        let url = repositoryRoot.appendingPathComponent("schemas/dead-letter.schema.json")
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let reason = (schema["properties"] as! [String: Any])["reason"] as! [String: Any]
        #expect(Set(reason["enum"] as! [String]) == Set(DeadLetter.Reason.allCases.map(\.rawValue)))
    }
}
