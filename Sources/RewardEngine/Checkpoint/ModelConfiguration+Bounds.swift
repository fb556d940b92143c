/// Ranges every config.json size must lie in before anything is allocated or indexed with it.
///
/// An overflow or a negative count past this point would trap (end the process) or, inside the
/// engine's raw-pointer loops, corrupt memory: every value the engine multiplies, allocates or
/// indexes with is checked here explicitly, so a bad checkpoint is a typed error. The limits are far above any released checkpoint (Llama 3.1
/// 405B: hidden 16,384, intermediate 53,248, 126 layers, 128 heads, vocab 128,256) and low
/// enough that every product the engine forms from them fits in an Int.
public enum ConfigurationLimits {
    public static let hiddenSize = 1...(1 << 17)
    public static let intermediateSize = 1...(1 << 20)
    public static let layerCount = 1...1024
    public static let headCount = 1...1024
    public static let headDimension = 2...1024
    public static let vocabularySize = 1...(1 << 24)
    public static let maxPositionEmbeddings = 1...(1 << 24)
    public static let slidingWindow = 1...(1 << 24)
}

extension ModelConfiguration {
    /// The file name errors carry until `load(from:)` replaces it with the full path.
    static let configFileName = "config.json"

    static func invalid(_ field: String, _ reason: String) -> CheckpointError {
        .invalidField(file: configFileName, field: field, reason: reason)
    }

    static func check(_ value: Int, in range: ClosedRange<Int>, _ field: String) throws {
        guard range.contains(value) else {
            throw invalid(field, "is \(value); it must be between \(range.lowerBound) and \(range.upperBound)")
        }
    }

    static func checkFinitePositive(_ value: Double, _ field: String) throws {
        guard value.isFinite, value > 0 else { throw invalid(field, "is \(value); it must be a finite number above 0") }
    }

    /// Checks every size and float the engine computes with; throws `.invalidField` naming the
    /// first that is out of range.
    func checkBounds() throws {
        try Self.check(hiddenSize, in: ConfigurationLimits.hiddenSize, "hidden_size")
        try Self.check(intermediateSize, in: ConfigurationLimits.intermediateSize, "intermediate_size")
        try Self.check(layerCount, in: ConfigurationLimits.layerCount, "num_hidden_layers")
        try Self.check(headCount, in: ConfigurationLimits.headCount, "num_attention_heads")
        try Self.check(keyValueHeadCount, in: 1...headCount, "num_key_value_heads")
        guard headCount % keyValueHeadCount == 0 else {
            throw Self.invalid("num_key_value_heads", "(\(keyValueHeadCount)) does not divide num_attention_heads (\(headCount))")
        }
        try Self.check(headDimension, in: ConfigurationLimits.headDimension, "head_dim")
        guard headDimension % 2 == 0 else { throw Self.invalid("head_dim", "is \(headDimension); rotary embeddings need it even") }
        try Self.check(vocabularySize, in: ConfigurationLimits.vocabularySize, "vocab_size")
        try Self.check(maxPositionEmbeddings, in: ConfigurationLimits.maxPositionEmbeddings, "max_position_embeddings")
        guard rmsNormEpsilon.isFinite, rmsNormEpsilon >= 0 else {
            throw Self.invalid("rms_norm_eps", "is \(rmsNormEpsilon); it must be a finite number, 0 or above")
        }
        try Self.checkFinitePositive(rope.theta, "rope_theta")
        if case let .llama3(factor, low, high, original) = rope.scaling {
            try Self.checkFinitePositive(factor, "rope_scaling.factor")
            try Self.checkFinitePositive(low, "rope_scaling.low_freq_factor")
            try Self.checkFinitePositive(high, "rope_scaling.high_freq_factor")
            guard high != low else { throw Self.invalid("rope_scaling.high_freq_factor", "equals low_freq_factor (\(low)); llama3 scaling divides by their difference") }
            try Self.check(original, in: ConfigurationLimits.maxPositionEmbeddings, "rope_scaling.original_max_position_embeddings")
        }
        guard attentionScale.isFinite, attentionScale > 0 else {
            throw Self.invalid("query_pre_attn_scalar", "gives an attention scale of \(attentionScale); it must be a finite number above 0")
        }
        if let softcap = attentionLogitSoftcap {
            try Self.checkFinitePositive(Double(softcap), "attn_logit_softcapping")
        }
        if slidingLayers.contains(true) {
            guard let window = slidingWindow else { throw Self.invalid("sliding_window", "is missing; sliding-window layers need it") }
            try Self.check(window, in: ConfigurationLimits.slidingWindow, "sliding_window")
        }
    }
}
