import ChatText
import Foundation
import WinnowJinja
import WinnowJSON
import Policies
import RewardEngine
import WinnowService

/// Turns one `winnow score` input line into the token sequences to score, or a reason it
/// cannot be scored. A line is one sequence (`input_ids`, `messages`, `text`) or one group
/// (`prompt` + `candidates`, or `prompt_ids` + `candidate_ids`).
struct InputEncoder {
    enum Outcome {
        /// `id` is the record's id as it came (`null` when it has none), written back verbatim.
        case sequence(id: JSONValue, ids: [Int32])
        case group(id: JSONValue, sequences: [[Int32]], group: GroupLine)
        case failure(id: JSONValue, message: String)
    }

    /// What a group line needs besides its sequences: its policy and, for text groups, the
    /// decoded prompt group (for SFT rows and preference pairs).
    struct GroupLine {
        var policy: SelectionPolicy
        /// Tokens of each response alone (a candidate's ids, for id groups).
        var responseTokens: [Int]
        /// Nil for `prompt_ids` + `candidate_ids` groups, which have no text.
        var promptGroup: PromptGroup?
    }

    let model: RewardModel
    /// The policy group lines get unless they carry their own `policy`.
    let defaultPolicy: SelectionPolicy
    /// Present when the model directory has tokenizer.json.
    let chat: ChatEncoder?
    /// Why `chat` is absent, for lines that need it.
    let chatUnavailable: String?

    /// Most candidates one group line may carry.
    static let maximumCandidates = 1024

    init(model: RewardModel, overflow: OverflowPolicy, templateName: String?, defaultPolicy: SelectionPolicy = SelectionPolicy()) throws {
        self.model = model
        self.defaultPolicy = defaultPolicy
        do {
            let chat = try ChatEncoder(directory: model.directory.url, maxLength: model.maxSequenceLength,
                                       overflow: overflow, templateName: templateName)
            guard chat.tokenizer.vocabularySize <= model.configuration.vocabularySize else {
                throw CommandFailure("tokenizer.json has \(chat.tokenizer.vocabularySize) ids but the model embeds only \(model.configuration.vocabularySize): the files belong to different checkpoints")
            }
            self.chat = chat
            chatUnavailable = nil
        } catch ChatTextError.missingTokenizer(let path) {
            chat = nil
            chatUnavailable = ChatTextError.missingTokenizer(path).description
        }
    }

    func encode(line: String) -> Outcome {
        // One read, in order: templates print message fields with tojson, policies keep theirs.
        guard case .object(let object)? = try? JSONValue(json: line) else {
            return .failure(id: .null, message: "the line is not a JSON object")
        }
        // Prompt-group records (as `winnow serve` reads them) are named by "group_id".
        let id = object["id"] ?? object["group_id"] ?? .null
        do {
            if let raw = object["input_ids"] {
                return .sequence(id: id, ids: try checked(Self.tokenIDs(raw, field: "input_ids")))
            }
            if object["prompt_ids"] != nil || object["candidate_ids"] != nil {
                guard let prompt = object["prompt_ids"], case .array(let candidates)? = object["candidate_ids"] else {
                    throw CommandFailure("a group of ids needs \"prompt_ids\" and a \"candidate_ids\" array")
                }
                let promptIDs = try Self.tokenIDs(prompt, field: "prompt_ids")
                try Self.checkCandidateCount(candidates.count)
                let responses = try candidates.map { try Self.tokenIDs($0, field: "candidate_ids") }
                var policy = defaultPolicy
                if let override = object["policy"], override != .null {
                    do { policy = try defaultPolicy.overridden(by: override) } catch { throw CommandFailure("\(error)") }
                }
                return .group(id: id, sequences: try responses.map { try checked(promptIDs + $0) },
                              group: GroupLine(policy: policy, responseTokens: responses.map(\.count), promptGroup: nil))
            }
            if object["messages"] != nil || object["text"] != nil || object["prompt"] != nil {
                guard let chat else { throw CommandFailure(chatUnavailable ?? "no tokenizer") }
                if let messages = object["messages"] {
                    return .sequence(id: id, ids: try checked(chat.encode(messages: Self.messageList(messages, field: "messages")).ids))
                }
                if case .string(let text)? = object["text"] {
                    return .sequence(id: id, ids: try checked(chat.encode(text: text).ids))
                }
                if object["text"] != nil { throw CommandFailure("\"text\" must be a string") }
                return try encodeGroup(object, id: id, rawID: object["id"], chat: chat)
            }
            throw CommandFailure("the object has none of \"input_ids\", \"messages\", \"text\", \"prompt\" + \"candidates\", \"prompt_ids\" + \"candidate_ids\"")
        } catch let error as ScoringError {
            return .failure(id: id, message: Self.describe(error))
        } catch let letter as DeadLetter {
            return .failure(id: id, message: letter.message)
        } catch {
            return .failure(id: id, message: "\(error)")
        }
    }

    /// `{"prompt": [messages] | "text", "candidates": ["response" | {"response": ...}, ...]}`,
    /// optionally with `group_id`, `policy` and `metadata`: a prompt-group record
    /// (`schemas/prompt-group.schema.json`), decoded and tokenized by the same code as
    /// `winnow serve`. Each candidate is the prompt followed by an assistant turn (or, for a text
    /// prompt, the prompt text followed by the response text).
    private func encodeGroup(_ object: JSONObject, id: JSONValue, rawID: JSONValue?, chat: ChatEncoder) throws -> Outcome {
        var record = object
        if record["group_id"] == nil {
            // Lines keyed by "id" name their group by it: the string itself, else its JSON.
            record["group_id"] = .string(rawID?.string ?? id.jsonText)
        }
        let decoder = PromptGroupDecoder(maxCandidates: Self.maximumCandidates, defaultPolicy: defaultPolicy)
        let group = try decoder.decode(value: .object(record)).get()
        let tokenized = try GroupTokenizer(encoder: chat, model: model).tokenize(group).get()
        let scoring = tokenized.scoring
        return .group(id: id, sequences: scoring.suffixes.map { scoring.prefix + $0 },
                      group: GroupLine(policy: group.policy, responseTokens: tokenized.responseTokens, promptGroup: group))
    }

    private func checked(_ ids: [Int32]) throws -> [Int32] {
        try model.validate(ids)
        return ids
    }

    static func checkCandidateCount(_ count: Int) throws {
        guard count > 0 else { throw CommandFailure("the group has no candidates") }
        guard count <= maximumCandidates else {
            throw CommandFailure("the group has \(count) candidates; at most \(maximumCandidates) are accepted")
        }
    }

    static func messageList(_ value: JSONValue, field: String) throws -> [JSONValue] {
        guard case .array(let messages) = value else { throw CommandFailure("\"\(field)\" must be an array of messages") }
        return messages
    }

    /// Token ids must be an array of integers (JSON numbers with no fractional part).
    static func tokenIDs(_ raw: JSONValue, field: String) throws -> [Int32] {
        guard case .array(let array) = raw else { throw CommandFailure("\"\(field)\" must be an array of integers") }
        return try array.map { element in
            // `int` takes 5 and 5.0 (whole numbers) but not true/false or 5.5.
            guard let whole = element.int, let value = Int32(exactly: whole) else {
                throw CommandFailure("\"\(field)\" must be an array of integers; found \(element.jsonText)")
            }
            return value
        }
    }

    /// Scoring errors name a sequence index, meaningless for one line: drop it.
    static func describe(_ error: ScoringError) -> String {
        switch error {
        case .emptySequence: return "the token sequence is empty"
        case .tokenOutOfRange(_, let token, let vocabulary): return "token id \(token) is outside the vocabulary [0, \(vocabulary))"
        case .sequenceTooLong(_, let length, let limit): return "\(length) tokens exceed the limit of \(limit)"
        }
    }
}
