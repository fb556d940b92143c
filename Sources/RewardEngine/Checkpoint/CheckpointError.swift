/// Everything that can be wrong with a model directory, named so a user can fix it.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case notADirectory(String)
    case missingFile(String)
    case unreadableFile(String, String)
    case truncatedFile(String, String)
    case malformedHeader(String, String)
    case invalidConfiguration(String)
    /// A value in a checkpoint file (config.json, a safetensors header, the shard index) that
    /// is out of range or unsafe, named by file and field.
    case invalidField(file: String, field: String, reason: String)
    case unsupportedArchitecture(String)
    case unsupportedDType(tensor: String, dtype: String)
    case unsupportedRoPE(String)
    case missingTensor(String)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    case insufficientMemory(needed: Int, available: Int, precision: String)

    public var description: String {
        switch self {
        case .notADirectory(let path):
            return "\(path) is not a model directory (expected config.json and *.safetensors, or a Hugging Face cache entry models--ORG--NAME)"
        case .missingFile(let path): return "missing file: \(path)"
        case .unreadableFile(let path, let reason): return "cannot read \(path): \(reason)"
        case .truncatedFile(let path, let reason): return "\(path) is truncated: \(reason)"
        case .malformedHeader(let path, let reason): return "\(path) is not a valid safetensors file: \(reason)"
        case .invalidConfiguration(let reason): return "invalid config.json: \(reason)"
        case .invalidField(let file, let field, let reason): return "\(file): `\(field)` \(reason)"
        case .unsupportedArchitecture(let name):
            return "unsupported architecture \(name); supported: \(ModelConfiguration.supportedArchitectures.joined(separator: ", "))"
        case .unsupportedDType(let tensor, let dtype):
            return "tensor \(tensor) has dtype \(dtype); supported: BF16, F16, F32"
        case .unsupportedRoPE(let kind): return "unsupported rope scaling type \(kind); supported: default, llama3"
        case .missingTensor(let name): return "the checkpoint has no tensor named \(name)"
        case .insufficientMemory(let needed, let available, let precision):
            var advice = "lower --max-length or --token-budget"
            if precision == "float32" { advice = "use --weights bfloat16, or " + advice }
            return "the model needs \(needed.formattedBytes) with \(precision) weights at these limits but the machine has \(available.formattedBytes) available; \(advice) (see winnow inspect)"
        case .shapeMismatch(let tensor, let expected, let found):
            return "tensor \(tensor) has shape \(found), config.json implies \(expected)"
        }
    }
}
