/// `Qwen3ForSequenceClassification` (Skywork-Reward-V2-Qwen3-0.6B…8B): the Llama block plus an
/// RMSNorm over each query and key head (`q_norm`, `k_norm`) before RoPE, and a `head_dim`
/// that need not equal hidden/heads.
enum Qwen3 {
    static func blocks(_ store: WeightStore, _ c: ModelConfiguration, format: WeightFormat) throws -> [DecoderBlockWeights] {
        try (0..<c.layerCount).map { try DecoderBlockWeights(store, index: $0, c, layout: BlockLayout(queryKeyNorm: true), format: format) }
    }
}
