import WinnowJinja
import WinnowTokenizer

/// Why a conversation or text could not be turned into ids, phrased for the user who sent it.
public enum ChatTextError: Error, CustomStringConvertible, Equatable {
    case missingTokenizer(String)
    case invalidTokenizerConfiguration(String)
    case noChatTemplate(String)
    case unknownTemplate(String, available: [String])
    case invalidMessages(String)
    case unknownRole(String, index: Int)
    case template(TemplateError)
    case tooLong(tokens: Int, limit: Int)

    public var description: String {
        switch self {
        case .missingTokenizer(let path): return "the model directory has no tokenizer.json (\(path)); only \"input_ids\" can be scored"
        case .invalidTokenizerConfiguration(let reason): return "invalid tokenizer_config.json: \(reason)"
        case .noChatTemplate(let path): return "the model directory has no chat template (\(path)); pass \"text\" or \"input_ids\""
        case .unknownTemplate(let name, let available):
            return "no chat template named \(name); the checkpoint has \(available.sorted().joined(separator: ", "))"
        case .invalidMessages(let reason): return "invalid messages: \(reason)"
        case .unknownRole(let role, let index):
            return "message \(index) has role \"\(role)\"; expected one of \(ChatEncoder.roles.sorted().joined(separator: ", "))"
        case .template(let error): return "the chat template failed: \(error)"
        case .tooLong(let tokens, let limit): return "\(tokens) tokens exceed the limit of \(limit)"
        }
    }
}
