import Foundation
import WinnowJinja
import WinnowJSON
import WinnowTokenizer

/// What to do with a conversation longer than the model's limit.
public enum OverflowPolicy: String, Sendable, CaseIterable {
    /// Refuse it with `ChatTextError.tooLong` (the default: a reward for a text the model never
    /// saw whole is not the reward asked for).
    case reject
    /// Drop tokens from the left, keeping a leading BOS and the last `limit - 1` tokens, so the
    /// response being judged stays whole and the oldest context goes first.
    case truncateLeft = "truncate-left"
}

/// The prompt every candidate of a group shares: a conversation, or raw text.
public enum CandidatePrompt: Sendable, Equatable {
    case messages([Value])
    case text(String)
}

/// A conversation as the reward model reads it: the rendered template and its ids.
public struct EncodedConversation: Sendable, Equatable {
    public var text: String
    public var ids: [Int32]
    /// Tokens dropped by `OverflowPolicy.truncateLeft` (0 when nothing was dropped).
    public var truncatedTokens: Int
}

/// Turns conversations and raw text into the token ids a Skywork reward model scores, exactly
/// as its model card does with transformers:
///
///     text = tokenizer.apply_chat_template(messages, tokenize=False)
///     if bos_token and text.startswith(bos_token): text = text[len(bos_token):]
///     ids = tokenizer(text).input_ids          # adds BOS where the tokenizer does
///
/// The BOS is dropped from the text only when the tokenizer adds one itself, so there is
/// always exactly one. No system prompt is added; no generation prompt is appended.
public final class ChatEncoder: Sendable {
    /// Roles a message may have.
    public static let roles: Set<String> = ["system", "user", "assistant", "tool"]

    public let tokenizer: Tokenizer
    public let configuration: TokenizerConfiguration
    public let maxLength: Int
    public let overflow: OverflowPolicy
    private let template: Template?
    private let templateName: String
    private let extraVariables: [String: Value]
    /// The BOS id the tokenizer adds around text, if it adds one.
    private let addedBOS: Int32?

    /// Loads `tokenizer.json`, `tokenizer_config.json` and the chat template from `directory`.
    /// `templateName` picks one of several named templates; `variables` are passed to the
    /// template as well (for example a fixed `date_string` for Llama 3.1's template).
    public init(directory: URL, maxLength: Int = 16384, overflow: OverflowPolicy = .reject,
                templateName: String? = nil, variables: [String: Value] = [:]) throws {
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw ChatTextError.missingTokenizer(tokenizerURL.path)
        }
        tokenizer = try Tokenizer(directory: directory)
        configuration = try TokenizerConfiguration(directory: directory)
        self.maxLength = maxLength
        self.overflow = overflow
        self.templateName = templateName ?? "default"
        if let source = configuration.chatTemplates[self.templateName] {
            do { template = try Template(source) } catch let error as TemplateError { throw ChatTextError.template(error) }
        } else if let templateName {
            throw ChatTextError.unknownTemplate(templateName, available: Array(configuration.chatTemplates.keys))
        } else {
            template = nil
        }
        extraVariables = variables
        let around = tokenizer.specialTokensAddedAroundText
        if let bos = configuration.bosToken, let bosID = tokenizer.tokenToId(bos), around.first == bosID {
            addedBOS = bosID
        } else {
            addedBOS = nil
        }
    }

    public var hasChatTemplate: Bool { template != nil }

    /// The chat template's text for `messages` (each an object with at least "role" and
    /// "content"), without a generation prompt.
    public func render(messages: [Value]) throws -> String {
        guard let template else { throw ChatTextError.noChatTemplate("tokenizer_config.json") }
        var conversation: [Value] = []
        for (index, message) in messages.enumerated() {
            guard case .object(var object) = message else {
                throw ChatTextError.invalidMessages("message \(index) is not an object")
            }
            guard case .string(let role)? = object["role"] else {
                throw ChatTextError.invalidMessages("message \(index) has no string \"role\"")
            }
            guard Self.roles.contains(role) else { throw ChatTextError.unknownRole(role, index: index) }
            switch object["content"] {
            case .string?, .array?: break
            case nil, .null?: if object["tool_calls"] == nil { throw ChatTextError.invalidMessages("message \(index) has no \"content\"") }
            default: throw ChatTextError.invalidMessages("message \(index) \"content\" must be a string or a list of parts")
            }
            // apply_chat_template drops keys whose value is None.
            for key in object.keys where object[key] == Value.null { object[key] = nil }
            object = Self.aliasingReasoning(object)
            conversation.append(.object(object))
        }
        guard !conversation.isEmpty else { throw ChatTextError.invalidMessages("the conversation has no messages") }
        var context = configuration.templateVariables
        context["messages"] = .array(conversation)
        context["add_generation_prompt"] = .bool(false)
        context["tools"] = Value.null
        context["documents"] = Value.null
        context.merge(extraVariables) { _, new in new }
        do {
            return try template.render(context)
        } catch let error as TemplateError {
            throw ChatTextError.template(error)
        }
    }

    /// transformers copies a message's reasoning, given under any of its names, to both
    /// `thinking` (first) and `reasoning_content`, which is what templates read.
    static func aliasingReasoning(_ message: JSONObject) -> JSONObject {
        let names = ["reasoning_content", "thinking", "reasoning"]
        guard let reasoning = names.lazy.compactMap({ message[$0] }).first else { return message }
        var aliased = JSONObject([("thinking", reasoning)])
        for (key, value) in message { aliased[key] = value }
        aliased["reasoning_content"] = reasoning
        return aliased
    }

    /// Renders and tokenizes a conversation for scoring.
    public func encode(messages: [Value]) throws -> EncodedConversation {
        try encode(text: render(messages: messages))
    }

    /// One candidate of a best-of-N group: the prompt followed by the candidate's response as the
    /// assistant's turn (a text prompt: the prompt text followed by the response text).
    public func encode(prompt: CandidatePrompt, response: String) throws -> EncodedConversation {
        switch prompt {
        case .text(let text):
            return try encode(text: text + response)
        case .messages(let messages):
            return try encode(messages: messages + [["role": "assistant", "content": .string(response)]])
        }
    }

    /// Every candidate of a best-of-N group, each exactly as `encode(prompt:response:)` gives
    /// it (or the error it throws), with the text the candidates share tokenized once
    /// (`Tokenizer.encode(sharingPrefix:)`).
    ///
    /// Each candidate's conversation is still rendered whole: a template may rewrite earlier
    /// turns depending on the last one (Qwen3 strips reasoning from assistant turns before the
    /// last user message), so the shared prefix is found in the rendered texts, never assumed.
    public func encode(prompt: CandidatePrompt, responses: [String]) -> [Result<EncodedConversation, any Error>] {
        let texts: [Result<String, any Error>] = responses.map { response in
            switch prompt {
            case .text(let text): .success(text + response)
            case .messages(let messages): Result { try render(messages: messages + [["role": "assistant", "content": .string(response)]]) }
            }
        }
        let rendered = texts.compactMap { try? $0.get() }
        var ids = tokenizer.encode(sharingPrefix: rendered.map { String(withoutAddedBOS($0)) }, addSpecialTokens: true)
            .makeIterator()
        return texts.map { text in
            text.flatMap { text in Result { try limited(ids.next()!, text: text) } }
        }
    }

    /// Tokenizes text as the model card does: a leading BOS the tokenizer would add again is
    /// dropped from the text, then special tokens are added.
    public func encode(text: String) throws -> EncodedConversation {
        try limited(tokenizer.encode(String(withoutAddedBOS(text)), addSpecialTokens: true), text: text)
    }

    /// `text` less a leading BOS that the tokenizer adds itself.
    private func withoutAddedBOS(_ text: String) -> Substring {
        var body = Substring(text)
        if addedBOS != nil, let bos = configuration.bosToken, body.hasPrefix(bos) {
            body = body.dropFirst(bos.count)
        }
        return body
    }

    /// `ids` within `maxLength` as the overflow policy says, or `ChatTextError.tooLong`.
    private func limited(_ ids: [Int32], text: String) throws -> EncodedConversation {
        var ids = ids
        var truncated = 0
        if ids.count > maxLength {
            switch overflow {
            case .reject:
                throw ChatTextError.tooLong(tokens: ids.count, limit: maxLength)
            case .truncateLeft:
                let keepsBOS = addedBOS != nil && ids.first == addedBOS
                let kept = Array(ids.suffix(maxLength - (keepsBOS ? 1 : 0)))
                truncated = ids.count - kept.count - (keepsBOS ? 1 : 0)
                ids = (keepsBOS ? [ids[0]] : []) + kept
            }
        }
        return EncodedConversation(text: text, ids: ids, truncatedTokens: truncated)
    }
}
