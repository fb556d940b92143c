/// `Gemma2ForSequenceClassification` (Skywork-Reward-Gemma-2-27B-v0.2): embeddings scaled by
/// sqrt(hidden), RMSNorm scaling by (1 + w), norms before and after both attention and the MLP,
/// a GELU-tanh gated MLP, attention logits scaled by `query_pre_attn_scalar^-0.5` and soft-capped,
/// and layers alternating between a sliding window and global attention. The family-specific
/// numbers live in `ModelConfiguration`; the forward pass reads them from there.
enum Gemma2 {
    static func blocks(_ store: WeightStore, _ c: ModelConfiguration, format: WeightFormat) throws -> [DecoderBlockWeights] {
        let layout = BlockLayout(sandwichNorms: true, normWeightOffset: c.normWeightOffset)
        return try (0..<c.layerCount).map { try DecoderBlockWeights(store, index: $0, c, layout: layout, format: format) }
    }
}
