import Foundation
import WinnowJinja
import WinnowJSON
import Testing
@testable import ChatText

/// References made by scripts/make-chat-references.py with transformers: for each tokenizer and
/// conversation, the rendered template and the ids the Skywork model cards score.
struct ChatCases: Decodable {
    struct Conversation: Decodable { var name: String }
    struct Result: Decodable { var name: String; var text: String?; var ids: [Int32]?; var error: String? }
    var date_string: String
    var conversations: [Conversation]
    var tokenizers: [String: String]
    var models: [String: [Result]]

    static let referencesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("References")

    static func load() throws -> (ChatCases, [[Value]]) {
        let data = try Data(contentsOf: referencesDirectory.appendingPathComponent("chat-cases.json"))
        let cases = try JSONDecoder().decode(ChatCases.self, from: data)
        // Messages keep their key order (templates print them with tojson), so read them as Values.
        guard case .object(let root) = try Value(jsonBytes: data), case .array(let conversations)? = root["conversations"] else {
            throw ReferenceError("chat-cases.json has no conversations")
        }
        let messages = try conversations.map { conversation -> [Value] in
            guard case .object(let o) = conversation, case .array(let m)? = o["messages"] else { throw ReferenceError("bad conversation") }
            return m
        }
        return (cases, messages)
    }

    /// The large tokenizer.json files fetched by `make test-data` (never committed).
    static func testData() throws -> URL {
        guard let path = ProcessInfo.processInfo.environment["WINNOW_TEST_DATA"], !path.isEmpty else {
            throw ReferenceError("WINNOW_TEST_DATA is not set: run the tests through `make test` (it fetches the Llama-3 and Qwen3 tokenizers)")
        }
        return URL(fileURLWithPath: path)
    }

    /// A model directory as a checkpoint ships it: tokenizer.json (with the committed
    /// post-processor override, if any) and tokenizer_config.json.
    static func modelDirectory(_ model: String, tokenizer: String, in temp: URL) throws -> URL {
        let directory = temp.appendingPathComponent(model)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // "repo:PATH" tokenizers are committed in this repository; the others are fetched test data.
        let source = tokenizer.hasPrefix("repo:")
            ? referencesDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(String(tokenizer.dropFirst(5))).appendingPathComponent("tokenizer.json")
            : try testData().appendingPathComponent("\(tokenizer)/tokenizer.json")
        guard FileManager.default.fileExists(atPath: source.path) else {
            throw ReferenceError("\(source.path) is missing: run `make test-data`")
        }
        let references = referencesDirectory.appendingPathComponent(model)
        let override = references.appendingPathComponent("post_processor.json")
        if FileManager.default.fileExists(atPath: override.path) {
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as! [String: Any]
            json["post_processor"] = try JSONSerialization.jsonObject(with: Data(contentsOf: override))
            try JSONSerialization.data(withJSONObject: json).write(to: directory.appendingPathComponent("tokenizer.json"))
        } else {
            try FileManager.default.copyItem(at: source, to: directory.appendingPathComponent("tokenizer.json"))
        }
        try FileManager.default.copyItem(at: references.appendingPathComponent("tokenizer_config.json"),
                                         to: directory.appendingPathComponent("tokenizer_config.json"))
        return directory
    }
}

struct ReferenceError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class Scratch {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-chat-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite struct ChatEncoderParityTests {
    @Test(arguments: ["llama3.1", "llama3-no-bos-processor", "qwen3", "gemma2"])
    func conversationsEncodeAsTransformersDoes(_ model: String) throws {
        let (cases, conversations) = try ChatCases.load()
        let scratch = try Scratch()
        let directory = try ChatCases.modelDirectory(model, tokenizer: try #require(cases.tokenizers[model]), in: scratch.url)
        let encoder = try ChatEncoder(directory: directory, variables: ["date_string": .string(cases.date_string)])
        let results = try #require(cases.models[model])
        #expect(results.count == conversations.count && results.count >= 25)
        var identical = 0, raised = 0
        for (result, messages) in zip(results, conversations) {
            if let error = result.error {
                raised += 1
                #expect(throws: ChatTextError.self, "\(model) \(result.name): transformers raised \(error)") {
                    try encoder.encode(messages: messages)
                }
                continue
            }
            let encoded = try encoder.encode(messages: messages)
            #expect(encoded.text == result.text, "\(model) \(result.name): rendered text differs")
            #expect(encoded.ids == result.ids, "\(model) \(result.name): ids differ")
            if encoded.ids == result.ids && encoded.text == result.text { identical += 1 }
        }
        print("chat parity \(model): \(identical) of \(results.count) conversations identical (text and ids), \(raised) raising as transformers does")
    }
}

@Suite struct ChatEncoderBehaviourTests {
    /// A small directory with the qwen3 tokenizer and the given config.
    func encoder(config: [String: Any], maxLength: Int = 16384, overflow: OverflowPolicy = .reject,
                 extraFiles: [String: String] = [:]) throws -> (ChatEncoder, Scratch) {
        let scratch = try Scratch()
        let directory = scratch.url.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: ChatCases.testData().appendingPathComponent("qwen3/tokenizer.json"),
                                         to: directory.appendingPathComponent("tokenizer.json"))
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("tokenizer_config.json"))
        for (name, text) in extraFiles { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return (try ChatEncoder(directory: directory, maxLength: maxLength, overflow: overflow), scratch)
    }

    let template = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"

    @Test func unknownRoleIsRejected() throws {
        let (encoder, _) = try encoder(config: ["chat_template": template])
        #expect(throws: ChatTextError.unknownRole("moderator", index: 1)) {
            try encoder.encode(messages: [["role": "user", "content": "hi"], ["role": "moderator", "content": "x"]])
        }
    }

    @Test func malformedMessagesAreRejected() throws {
        let (encoder, _) = try encoder(config: ["chat_template": template])
        #expect(throws: ChatTextError.invalidMessages("the conversation has no messages")) { try encoder.encode(messages: []) }
        #expect(throws: ChatTextError.invalidMessages("message 0 has no string \"role\"")) { try encoder.encode(messages: [["content": "x"]]) }
        #expect(throws: ChatTextError.invalidMessages("message 0 is not an object")) { try encoder.encode(messages: ["user"]) }
        #expect(throws: ChatTextError.invalidMessages("message 0 has no \"content\"")) { try encoder.encode(messages: [["role": "user"]]) }
    }

    @Test func templateErrorsAreReported() throws {
        let (encoder, _) = try encoder(config: ["chat_template": "{{ raise_exception('System role not supported') }}"])
        #expect {
            try encoder.encode(messages: [["role": "system", "content": "x"]])
        } throws: { error in
            guard case .template(let e) = error as? ChatTextError else { return false }
            return e.message == "System role not supported" && e.line == 1
        }
    }

    @Test func overLengthIsRejectedOrTruncatedFromTheLeft() throws {
        let messages: [Value] = [["role": "user", "content": .string(String(repeating: "word ", count: 50))]]
        let (rejecting, _) = try encoder(config: ["chat_template": template], maxLength: 20)
        #expect(throws: ChatTextError.self) { try rejecting.encode(messages: messages) }
        let (truncating, _) = try encoder(config: ["chat_template": template], maxLength: 20, overflow: .truncateLeft)
        let full = try encoder(config: ["chat_template": template]).0.encode(messages: messages)
        let cut = try truncating.encode(messages: messages)
        #expect(cut.ids.count == 20)
        #expect(cut.ids == Array(full.ids.suffix(20)))
        #expect(cut.truncatedTokens == full.ids.count - 20)
    }

    @Test func configurationForms() throws {
        // Special tokens as AddedToken objects, templates as a named list.
        let (encoder, _) = try encoder(config: [
            "eos_token": ["content": "<|im_end|>", "lstrip": false],
            "chat_template": [["name": "default", "template": template], ["name": "tool_use", "template": "x"]],
        ])
        #expect(encoder.configuration.eosToken == "<|im_end|>")
        #expect(encoder.configuration.chatTemplates.keys.sorted() == ["default", "tool_use"])
        // transformers 5 keeps the template in chat_template.jinja.
        let (separate, _) = try self.encoder(config: [:], extraFiles: ["chat_template.jinja": template])
        #expect(separate.hasChatTemplate)
        let (none, _) = try self.encoder(config: [:])
        #expect(throws: ChatTextError.self) { try none.render(messages: [["role": "user", "content": "x"]]) }
        // Raw text needs no template.
        #expect(try none.encode(text: "hello").ids == none.tokenizer.encode("hello", addSpecialTokens: true))
    }

    @Test func missingTokenizerIsNamed() throws {
        let scratch = try Scratch()
        #expect(throws: ChatTextError.missingTokenizer(scratch.url.appendingPathComponent("tokenizer.json").path)) {
            try ChatEncoder(directory: scratch.url)
        }
    }
}
