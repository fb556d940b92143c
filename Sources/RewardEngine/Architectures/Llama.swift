/// `LlamaForSequenceClassification` (Skywork-Reward-V2-Llama-3.1-8B, -3.2-1B/3B): pre-norm
/// blocks with SwiGLU, GQA and RoPE, optionally with Llama 3.1's frequency scaling (handled by
/// `RotaryEmbedding` from `config.rope`).
enum Llama {
    static func blocks(_ store: WeightStore, _ c: ModelConfiguration, format: WeightFormat) throws -> [DecoderBlockWeights] {
        try (0..<c.layerCount).map { try DecoderBlockWeights(store, index: $0, c, layout: BlockLayout(), format: format) }
    }
}
