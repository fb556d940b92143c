import ChatText
import WinnowJinja
import WinnowJSON
import Policies

/// Turns an input record's bytes into a `PromptGroup`, or the `DeadLetter` that says why not.
///
/// It checks everything `schemas/prompt-group.schema.json` requires, plus the service's own
/// limits (candidate count), so the stages after it only see well-formed groups.
public struct PromptGroupDecoder: Sendable {
    /// Most candidates one group may have.
    public var maxCandidates: Int
    /// The deployment's policy; a record's `policy` overrides it section by section.
    public var defaultPolicy: SelectionPolicy

    public init(maxCandidates: Int, defaultPolicy: SelectionPolicy = SelectionPolicy()) {
        self.maxCandidates = maxCandidates
        self.defaultPolicy = defaultPolicy
    }

    public func decode(_ bytes: [UInt8]?) -> Result<PromptGroup, DeadLetter> {
        Result { try decodeThrowing(bytes) }.mapError { $0 as? DeadLetter ?? DeadLetter(.internalError, "\($0)") }
    }

    private func decodeThrowing(_ bytes: [UInt8]?) throws -> PromptGroup {
        guard let bytes else { throw DeadLetter(.malformedJSON, "the record has no value (a tombstone)") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DeadLetter(.malformedJSON, "the record value is not UTF-8")
        }
        let root: Value
        do { root = try Value(json: text) } catch {
            throw DeadLetter(.malformedJSON, "the record value is not JSON: \(error)")
        }
        return try decodeThrowing(root)
    }

    /// Decodes an already parsed record (`winnow score` reads group lines this way).
    public func decode(value: Value) -> Result<PromptGroup, DeadLetter> {
        Result { try decodeThrowing(value) }.mapError { $0 as? DeadLetter ?? DeadLetter(.internalError, "\($0)") }
    }

    private func decodeThrowing(_ root: Value) throws -> PromptGroup {
        guard case .object(let object) = root else {
            throw DeadLetter(.schemaViolation, "a prompt group must be a JSON object")
        }
        guard case .string(let groupID)? = object["group_id"], !groupID.isEmpty else {
            throw DeadLetter(.schemaViolation, "\"group_id\" must be a non-empty string")
        }
        do {
            return PromptGroup(groupID: groupID, prompt: try prompt(object["prompt"]),
                               candidates: try candidates(object["candidates"]),
                               policy: try policy(object["policy"]),
                               metadata: try optionalObject(object["metadata"], field: "metadata"))
        } catch var letter as DeadLetter {
            letter.message = "group \(groupID): \(letter.message)"
            throw letter
        }
    }

    private func prompt(_ value: Value?) throws -> PromptGroup.Prompt {
        switch value {
        case .string(let text)?:
            return .text(text)
        case .array(let messages)?:
            guard !messages.isEmpty else { throw DeadLetter(.schemaViolation, "\"prompt\" has no messages") }
            for (index, message) in messages.enumerated() {
                guard case .object(let fields) = message else {
                    throw DeadLetter(.schemaViolation, "prompt message \(index) must be an object")
                }
                guard case .string(let role)? = fields["role"] else {
                    throw DeadLetter(.schemaViolation, "prompt message \(index) needs a string \"role\"")
                }
                guard ChatEncoder.roles.contains(role) else {
                    throw DeadLetter(.unknownRole, "prompt message \(index) has role \"\(role)\"; expected one of \(ChatEncoder.roles.sorted().joined(separator: ", "))")
                }
                switch fields["content"] {
                case .string?, .array?: break
                default: throw DeadLetter(.schemaViolation, "prompt message \(index) needs \"content\" (a string or a list of parts)")
                }
            }
            return .messages(messages)
        case nil:
            throw DeadLetter(.schemaViolation, "\"prompt\" is missing")
        default:
            throw DeadLetter(.schemaViolation, "\"prompt\" must be a list of messages or a string")
        }
    }

    private func candidates(_ value: Value?) throws -> [PromptGroup.Candidate] {
        guard let value else { throw DeadLetter(.schemaViolation, "\"candidates\" is missing") }
        guard case .array(let items) = value else {
            throw DeadLetter(.schemaViolation, "\"candidates\" must be an array")
        }
        guard !items.isEmpty else { throw DeadLetter(.noCandidates, "the group has no candidates") }
        guard items.count <= maxCandidates else {
            throw DeadLetter(.tooManyCandidates, "the group has \(items.count) candidates; at most \(maxCandidates) are accepted")
        }
        return try items.enumerated().map { index, item in
            switch item {
            case .string(let response):
                return PromptGroup.Candidate(response: response)
            case .object(let fields):
                guard case .string(let response)? = fields["response"] else {
                    throw DeadLetter(.schemaViolation, "candidate \(index) needs a string \"response\"")
                }
                switch fields["id"] {
                case nil: return PromptGroup.Candidate(response: response)
                case .string(let id)?: return PromptGroup.Candidate(id: id, response: response)
                default: throw DeadLetter(.schemaViolation, "candidate \(index) \"id\" must be a string")
                }
            default:
                throw DeadLetter(.schemaViolation, "candidate \(index) must be a string or an object with \"response\"")
            }
        }
    }

    private func policy(_ value: Value?) throws -> SelectionPolicy {
        guard let value, value != .null else { return defaultPolicy }
        do { return try defaultPolicy.overridden(by: value) } catch {
            throw DeadLetter(.invalidPolicy, "\(error)")
        }
    }

    private func optionalObject(_ value: Value?, field: String) throws -> Value? {
        switch value {
        case nil: return nil
        case .object?: return value
        default: throw DeadLetter(.schemaViolation, "\"\(field)\" must be an object")
        }
    }
}
