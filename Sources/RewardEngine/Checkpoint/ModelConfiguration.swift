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
    public static let supportedArchitectures = [
        "Qwen3ForSequenceClassification", "LlamaForSequenceClassification", "Gemma2ForSequenceClassification",
    ]

    public enum Family: String, Sendable { case qwen3, llama, gemma2 }

    /// The MLP's gate activation.
    public enum Activation: String, Sendable {
        /// SiLU (Llama, Qwen3).
        case silu
        /// GELU with the tanh approximation (Gemma: `gelu_pytorch_tanh`).
        case geluTanh = "gelu_pytorch_tanh"
    }

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
    public var activation: Activation
    /// Multiplier of the attention logits: `head_dim^-0.5`, or `query_pre_attn_scalar^-0.5` (Gemma-2).
    public var attentionScale: Float
    /// Gemma-2's `attn_logit_softcapping`: logits become `cap · tanh(logits / cap)`.
    public var attentionLogitSoftcap: Float?
    /// Tokens a sliding-window layer sees (itself included), and which layers slide.
    public var slidingWindow: Int?
    public var slidingLayers: [Bool]
    /// Gemma scales embeddings by sqrt(hidden) and its RMSNorm weights by (1 + w).
    public var embeddingScale: Float?
    public var normWeightOffset: Float

    enum Keys: String, CodingKey {
        case architectures, model_type, hidden_size, intermediate_size, num_hidden_layers
        case num_attention_heads, num_key_value_heads, head_dim, vocab_size, rms_norm_eps
        case rope_theta, rope_scaling, rope_parameters, max_position_embeddings
        case tie_word_embeddings, pad_token_id, attention_bias, mlp_bias, hidden_act, id2label, num_labels
        case hidden_activation, query_pre_attn_scalar, attn_logit_softcapping, sliding_window, layer_types
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
        case "Gemma2ForSequenceClassification": family = .gemma2
        default: throw CheckpointError.unsupportedArchitecture(architecture)
        }
        self.architecture = architecture
        // Sizes are read as JSON numbers and then made whole: Foundation's decoder reports a
        // fractional or out-of-range Int only as "not valid JSON", without naming the field.
        func integer(_ key: Keys) throws -> Int? {
            guard let number = try c.decodeIfPresent(Double.self, forKey: key) else { return nil }
            guard let value = Int(exactly: number) else {
                throw Self.invalid(key.stringValue, "is \(number); it must be a whole number")
            }
            return value
        }
        func requiredInteger(_ key: Keys) throws -> Int {
            guard let value = try integer(key) else { throw CheckpointError.invalidConfiguration("missing `\(key.stringValue)`") }
            return value
        }
        hiddenSize = try requiredInteger(.hidden_size)
        intermediateSize = try requiredInteger(.intermediate_size)
        layerCount = try requiredInteger(.num_hidden_layers)
        headCount = try requiredInteger(.num_attention_heads)
        keyValueHeadCount = try integer(.num_key_value_heads) ?? headCount
        headDimension = try integer(.head_dim) ?? hiddenSize / max(headCount, 1)
        vocabularySize = try requiredInteger(.vocab_size)
        rmsNormEpsilon = Float(try c.decodeIfPresent(Double.self, forKey: .rms_norm_eps) ?? 1e-6)
        maxPositionEmbeddings = try integer(.max_position_embeddings) ?? 32768
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tie_word_embeddings) ?? false
        padTokenID = try? c.decodeIfPresent(Int.self, forKey: .pad_token_id)
        attentionBias = try c.decodeIfPresent(Bool.self, forKey: .attention_bias) ?? false
        mlpBias = try c.decodeIfPresent(Bool.self, forKey: .mlp_bias) ?? false
        if let labels = try c.decodeIfPresent([String: String].self, forKey: .id2label) {
            labelCount = labels.count
        } else {
            labelCount = try c.decodeIfPresent(Int.self, forKey: .num_labels) ?? 2
        }
        // Gemma-2 reads `hidden_activation`; the others `hidden_act`.
        let activationName = family == .gemma2
            ? (try c.decodeIfPresent(String.self, forKey: .hidden_activation) ?? "gelu_pytorch_tanh")
            : (try c.decodeIfPresent(String.self, forKey: .hidden_act) ?? "silu")
        switch (family, activationName) {
        case (.gemma2, "gelu_pytorch_tanh"), (.gemma2, "gelu_tanh"): activation = .geluTanh
        case (.qwen3, "silu"), (.llama, "silu"): activation = .silu
        default:
            throw CheckpointError.invalidConfiguration("activation \(activationName) is not supported for \(architecture)")
        }
        if family == .gemma2 {
            let scalar = try c.decodeIfPresent(Double.self, forKey: .query_pre_attn_scalar) ?? Double(headDimension)
            attentionScale = Float(1 / scalar.squareRoot())
            attentionLogitSoftcap = try c.decodeIfPresent(Float.self, forKey: .attn_logit_softcapping)
            embeddingScale = Float(Double(hiddenSize).squareRoot())
            normWeightOffset = 1
        } else {
            attentionScale = Float(1 / Double(headDimension).squareRoot())
            attentionLogitSoftcap = nil
            embeddingScale = nil
            normWeightOffset = 0
        }
        // Checked before it sizes the per-layer table below.
        try Self.check(layerCount, in: ConfigurationLimits.layerCount, "num_hidden_layers")
        // Sliding-window layers: `layer_types` where config.json gives it (transformers 5);
        // Gemma-2 configs saved by 4.x alternate, starting with a sliding layer.
        slidingWindow = try? c.decodeIfPresent(Int.self, forKey: .sliding_window)
        if let types = try c.decodeIfPresent([String].self, forKey: .layer_types) {
            guard types.count == layerCount else {
                throw CheckpointError.invalidConfiguration("layer_types has \(types.count) entries for \(layerCount) layers")
            }
            for type in types where type != "sliding_attention" && type != "full_attention" {
                throw CheckpointError.invalidConfiguration("unknown layer type \(type)")
            }
            slidingLayers = types.map { $0 == "sliding_attention" }
        } else {
            let alternates = family == .gemma2
            slidingLayers = (0..<layerCount).map { alternates && $0 % 2 == 0 }
        }

        // transformers 5 writes `rope_parameters`; 4.x wrote `rope_theta` and `rope_scaling`.
        let parameters = try c.decodeIfPresent(RoPEDictionary.self, forKey: .rope_parameters)
        let legacyScaling = try c.decodeIfPresent(RoPEDictionary.self, forKey: .rope_scaling)
        let theta = try c.decodeIfPresent(Double.self, forKey: .rope_theta) ?? parameters?.rope_theta ?? 10000
        rope = try RoPEParameters(theta: theta, scaling: Self.scaling(parameters ?? legacyScaling))

        try checkBounds()
        guard labelCount == 1 else {
            throw CheckpointError.invalidConfiguration("a reward model has one label; this config has \(labelCount)")
        }
    }

    public static func load(from url: URL) throws -> ModelConfiguration {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CheckpointError.missingFile(url.path)
        }
        return try decode(data, path: url.path)
    }

    /// Decodes config.json's bytes; errors name `path` and the field at fault.
    public static func decode(_ data: Data, path: String = "config.json") throws -> ModelConfiguration {
        do {
            return try JSONDecoder().decode(ModelConfiguration.self, from: data)
        } catch CheckpointError.invalidField(_, let field, let reason) {
            throw CheckpointError.invalidField(file: path, field: field, reason: reason)
        } catch let error as CheckpointError {
            throw error
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                guard !context.codingPath.isEmpty else { break }
                let field = context.codingPath.map(\.stringValue).joined(separator: ".")
                throw CheckpointError.invalidField(file: path, field: field, reason: "cannot be read: \(context.debugDescription)")
            default: break
            }
            throw CheckpointError.invalidConfiguration("\(path): \(error)")
        } catch {
            throw CheckpointError.invalidConfiguration("\(path): \(error)")
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
