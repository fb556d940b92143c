import Foundation

/// Rotary position embedding parameters, read from either config.json layout:
/// transformers 4.x (`rope_theta` + `rope_scaling` at top level) or 5.x (`rope_parameters`).
public struct RoPEParameters: Sendable, Equatable {
    public enum Scaling: Sendable, Equatable {
        case none
        /// Llama 3.1's frequency-dependent scaling (`rope_type: "llama3"`).
        case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalMaxPositions: Int)
    }

    public var theta: Double
    public var scaling: Scaling
}

/// The `config.json` of a decoder-only sequence classifier, keys as Hugging Face writes them.
public struct ModelConfiguration: Decodable, Sendable {
    public static let supportedArchitectures = ["Qwen3ForSequenceClassification", "LlamaForSequenceClassification"]

    public enum Family: String, Sendable { case qwen3, llama }

    public var architecture: String
    public var family: Family
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var keyValueHeadCount: Int
    public var headDimension: Int
    public var vocabularySize: Int
    public var rmsNormEpsilon: Float
    public var rope: RoPEParameters
    public var maxPositionEmbeddings: Int
    public var tieWordEmbeddings: Bool
    public var padTokenID: Int?
    public var attentionBias: Bool
    public var mlpBias: Bool
    public var labelCount: Int

    enum Keys: String, CodingKey {
        case architectures, model_type, hidden_size, intermediate_size, num_hidden_layers
        case num_attention_heads, num_key_value_heads, head_dim, vocab_size, rms_norm_eps
        case rope_theta, rope_scaling, rope_parameters, max_position_embeddings
        case tie_word_embeddings, pad_token_id, attention_bias, mlp_bias, hidden_act, id2label, num_labels
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let architectures = try c.decodeIfPresent([String].self, forKey: .architectures) ?? []
        guard let architecture = architectures.first else {
            throw CheckpointError.invalidConfiguration("no `architectures` entry")
        }
        switch architecture {
        case "Qwen3ForSequenceClassification": family = .qwen3
        case "LlamaForSequenceClassification": family = .llama
        default: throw CheckpointError.unsupportedArchitecture(architecture)
        }
        self.architecture = architecture
        func required<T: Decodable>(_ key: Keys, _ type: T.Type = T.self) throws -> T {
            guard let value = try c.decodeIfPresent(T.self, forKey: key) else {
                throw CheckpointError.invalidConfiguration("missing `\(key.stringValue)`")
            }
            return value
        }
        hiddenSize = try required(.hidden_size)
        intermediateSize = try required(.intermediate_size)
        layerCount = try required(.num_hidden_layers)
        headCount = try required(.num_attention_heads)
        keyValueHeadCount = try c.decodeIfPresent(Int.self, forKey: .num_key_value_heads) ?? headCount
        headDimension = try c.decodeIfPresent(Int.self, forKey: .head_dim) ?? hiddenSize / max(headCount, 1)
        vocabularySize = try required(.vocab_size)
        rmsNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .rms_norm_eps) ?? 1e-6
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .max_position_embeddings) ?? 32768
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tie_word_embeddings) ?? false
        padTokenID = try? c.decodeIfPresent(Int.self, forKey: .pad_token_id)
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attention_bias) ?? false
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlp_bias) ?? false
        if let labels = try c.decodeIfPresent([String: String].self, forKey: .id2label) {
            labelCount = labels.count
        } else {
            labelCount = try c.decodeIfPresent(Int.self, forKey: .num_labels) ?? 2
        }
        let activation = try c.decodeIfPresent(String.self, forKey: .hidden_act) ?? "silu"
        guard activation == "silu" else {
            throw CheckpointError.invalidConfiguration("hidden_act \(activation) is not supported for \(architecture) (expected silu)")
        }

        // transformers 5 writes `rope_parameters`; 4.x wrote `rope_theta` and `rope_scaling`.
        let parameters = try c.decodeIfPresent(RoPEDictionary.self, forKey: .rope_parameters)
        let legacyScaling = try c.decodeIfPresent(RoPEDictionary.self, forKey: .rope_scaling)
        let theta = try c.decodeIfPresent(Double.self, forKey: .rope_theta) ?? parameters?.rope_theta ?? 10000
        rope = try RoPEParameters(theta: theta, scaling: Self.scaling(parameters ?? legacyScaling))

        guard hiddenSize > 0, intermediateSize > 0, layerCount > 0, headCount > 0, keyValueHeadCount > 0,
              headDimension > 0, headDimension % 2 == 0, vocabularySize > 0 else {
            throw CheckpointError.invalidConfiguration("sizes must be positive and head_dim even")
        }
        guard headCount % keyValueHeadCount == 0 else {
            throw CheckpointError.invalidConfiguration("num_attention_heads (\(headCount)) is not a multiple of num_key_value_heads (\(keyValueHeadCount))")
        }
        guard labelCount == 1 else {
            throw CheckpointError.invalidConfiguration("a reward model has one label; this config has \(labelCount)")
        }
    }

    public static func load(from url: URL) throws -> ModelConfiguration {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CheckpointError.missingFile(url.path)
        }
        do {
            return try JSONDecoder().decode(ModelConfiguration.self, from: data)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.invalidConfiguration("\(url.path): \(error)")
        }
    }

    /// The JSON object under `rope_parameters` or `rope_scaling`.
    struct RoPEDictionary: Decodable {
        var rope_type: String?
        var type: String?
        var rope_theta: Double?
        var factor: Double?
        var low_freq_factor: Double?
        var high_freq_factor: Double?
        var original_max_position_embeddings: Int?
    }

    private static func scaling(_ d: RoPEDictionary?) throws -> RoPEParameters.Scaling {
        guard let d, let kind = d.rope_type ?? d.type else { return .none }
        switch kind {
        case "default": return .none
        case "llama3":
            guard let factor = d.factor, let low = d.low_freq_factor, let high = d.high_freq_factor,
                  let original = d.original_max_position_embeddings else {
                throw CheckpointError.invalidConfiguration("llama3 rope scaling needs factor, low_freq_factor, high_freq_factor, original_max_position_embeddings")
            }
            return .llama3(factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high, originalMaxPositions: original)
        default:
            throw CheckpointError.unsupportedRoPE(kind)
        }
    }
}
