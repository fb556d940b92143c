import Foundation
import WinnowJinja
import WinnowJSON

/// What `tokenizer_config.json` (and `chat_template.jinja`, where transformers 5 keeps the
/// template) say about special tokens and chat templates.
public struct TokenizerConfiguration: Sendable {
    public var bosToken: String?
    public var eosToken: String?
    public var padToken: String?
    public var unkToken: String?
    /// Chat templates by name; the unnamed one is "default".
    public var chatTemplates: [String: String]
    public var addBosToken: Bool?
    public var addEosToken: Bool?

    public init(bosToken: String? = nil, eosToken: String? = nil, padToken: String? = nil, unkToken: String? = nil,
                chatTemplates: [String: String] = [:], addBosToken: Bool? = nil, addEosToken: Bool? = nil) {
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.padToken = padToken
        self.unkToken = unkToken
        self.chatTemplates = chatTemplates
        self.addBosToken = addBosToken
        self.addEosToken = addEosToken
    }

    /// Reads `tokenizer_config.json` from `directory`, plus `chat_template.jinja` or
    /// `chat_template.json` when present. A directory without `tokenizer_config.json` gives an
    /// empty configuration.
    public init(directory: URL) throws {
        self.init()
        let url = directory.appendingPathComponent("tokenizer_config.json")
        if let data = FileManager.default.contents(atPath: url.path) {
            let json: Value
            do { json = try Value(jsonBytes: data) } catch {
                throw ChatTextError.invalidTokenizerConfiguration("\(url.path): \(error)")
            }
            guard case .object(let object) = json else {
                throw ChatTextError.invalidTokenizerConfiguration("\(url.path) is not a JSON object")
            }
            bosToken = try Self.token(object["bos_token"], "bos_token")
            eosToken = try Self.token(object["eos_token"], "eos_token")
            padToken = try Self.token(object["pad_token"], "pad_token")
            unkToken = try Self.token(object["unk_token"], "unk_token")
            if case .bool(let b)? = object["add_bos_token"] { addBosToken = b }
            if case .bool(let b)? = object["add_eos_token"] { addEosToken = b }
            chatTemplates = try Self.templates(object["chat_template"])
        }
        // transformers 5 saves the template beside the config.
        let jinja = directory.appendingPathComponent("chat_template.jinja")
        if let data = FileManager.default.contents(atPath: jinja.path) {
            chatTemplates["default"] = String(decoding: data, as: UTF8.self)
        }
        let json = directory.appendingPathComponent("chat_template.json")
        if let data = FileManager.default.contents(atPath: json.path),
           case .object(let object)? = try? Value(jsonBytes: data) {
            chatTemplates.merge(try Self.templates(object["chat_template"])) { _, new in new }
        }
    }

    /// A special token written as a string or as `{"content": "...", ...}` (an AddedToken).
    private static func token(_ value: Value?, _ key: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case .object(let o)?:
            if case .string(let s)? = o["content"] { return s }
            throw ChatTextError.invalidTokenizerConfiguration("\(key) object has no string \"content\"")
        default: throw ChatTextError.invalidTokenizerConfiguration("\(key) must be a string or an object with \"content\"")
        }
    }

    /// `chat_template` as one string, or as a list of `{"name", "template"}`.
    private static func templates(_ value: Value?) throws -> [String: String] {
        switch value {
        case nil, .null?: return [:]
        case .string(let s)?: return ["default": s]
        case .array(let items)?:
            var result: [String: String] = [:]
            for item in items {
                guard case .object(let o) = item, case .string(let name)? = o["name"], case .string(let template)? = o["template"] else {
                    throw ChatTextError.invalidTokenizerConfiguration("chat_template list entries need \"name\" and \"template\" strings")
                }
                result[name] = template
            }
            return result
        default: throw ChatTextError.invalidTokenizerConfiguration("chat_template must be a string or a list of named templates")
        }
    }

    /// The special tokens transformers passes to a chat template (its special_tokens_map).
    var templateVariables: [String: Value] {
        var variables: [String: Value] = [:]
        if let bosToken { variables["bos_token"] = .string(bosToken) }
        if let eosToken { variables["eos_token"] = .string(eosToken) }
        if let padToken { variables["pad_token"] = .string(padToken) }
        if let unkToken { variables["unk_token"] = .string(unkToken) }
        return variables
    }
}
