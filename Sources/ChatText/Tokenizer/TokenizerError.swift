/// Why a tokenizer could not be loaded or used.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `tokenizer.json` is not valid JSON.
    case invalidJSON(String)
    /// A required field is missing or has the wrong JSON type.
    case invalidField(path: String, expected: String)
    /// A component `type` this tokenizer does not implement (never silently ignored).
    case unsupported(component: String, type: String)
    /// A merge refers to a token that is not in the vocabulary.
    case mergeTokenNotInVocabulary(String)
    /// The unknown token named by the model is not in its vocabulary.
    case unknownTokenNotInVocabulary(String)
    /// A regular expression in the tokenizer could not be compiled.
    case invalidPattern(String)
    /// The tokenizer file could not be read.
    case unreadableFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidJSON(let what): return "tokenizer.json is not valid JSON: \(what)"
        case .invalidField(let path, let expected): return "tokenizer.json: \(path) must be \(expected)"
        case .unsupported(let component, let type):
            return "tokenizer.json: \(component) type \"\(type)\" is not supported by this tokenizer"
        case .mergeTokenNotInVocabulary(let token): return "tokenizer.json: merge token \"\(token)\" is not in the vocabulary"
        case .unknownTokenNotInVocabulary(let token): return "tokenizer.json: unk_token \"\(token)\" is not in the vocabulary"
        case .invalidPattern(let pattern): return "tokenizer.json: cannot compile the pattern \(pattern)"
        case .unreadableFile(let path, let reason): return "cannot read \(path): \(reason)"
        }
    }
}
