/// How a family arranges its decoder block.
struct BlockLayout {
    /// RMSNorm over each query and key head before RoPE (Qwen3's q_norm/k_norm).
    var queryKeyNorm = false
    /// Norms after attention and after the MLP too, before each residual add (Gemma-2).
    var sandwichNorms = false
    /// Added to every stored norm weight at load: Gemma's RMSNorm scales by (1 + w).
    var normWeightOffset: Float = 0
}

/// The weights of one pre-norm decoder block:
///
///     h = x + post_attn?(o_proj(attention(rope(q_norm?(q_proj(n))), rope(k_norm?(k_proj(n))), v_proj(n))))   n = attention_in(x)
///     y = h + post_mlp?(down_proj(act(gate_proj(m)) · up_proj(m)))                                         m = mlp_in(h)
///
/// Llama and Qwen3 name the norms `input_layernorm` (attention_in) and `post_attention_layernorm`
/// (mlp_in); Gemma-2 adds `post_attention_layernorm` after attention, `pre_feedforward_layernorm`
/// (mlp_in) and `post_feedforward_layernorm`. q/k/v and gate/up are concatenated at load so each
/// is one GEMM over the packed batch.
/// `@unchecked Sendable`: read-only after `init` (norm offsets are added while loading).
struct DecoderBlockWeights: @unchecked Sendable {
    var attentionInputNorm: FloatBuffer     // [hidden]
    var attentionOutputNorm: FloatBuffer?   // [hidden], Gemma-2
    var qkv: WeightMatrix                   // [(heads + 2·kvHeads)·headDim, hidden]
    var qkvBias: FloatBuffer?               // [(heads + 2·kvHeads)·headDim]
    var queryNorm: FloatBuffer?             // [headDim], Qwen3
    var keyNorm: FloatBuffer?               // [headDim], Qwen3
    var output: WeightMatrix                // [hidden, heads·headDim]
    var outputBias: FloatBuffer?            // [hidden]
    var mlpInputNorm: FloatBuffer           // [hidden]
    var mlpOutputNorm: FloatBuffer?         // [hidden], Gemma-2
    var gateUp: WeightMatrix                // [2·intermediate, hidden]
    var gateUpBias: FloatBuffer?            // [2·intermediate]
    var down: WeightMatrix                  // [hidden, intermediate]
    var downBias: FloatBuffer?              // [hidden]

    /// Loads block `index` from Hugging Face names `model.layers.{index}.…`.
    init(_ store: WeightStore, index: Int, _ c: ModelConfiguration, layout: BlockLayout, format: WeightFormat) throws {
        let p = "model.layers.\(index)."
        let h = c.hiddenSize, d = c.headDimension, i = c.intermediateSize
        let qRows = c.headCount * d, kvRows = c.keyValueHeadCount * d
        func norm(_ name: String, _ size: Int) throws -> FloatBuffer {
            try store.normWeight(p + name, size: size, offset: layout.normWeightOffset)
        }
        attentionInputNorm = try norm("input_layernorm.weight", h)
        if layout.sandwichNorms {
            attentionOutputNorm = try norm("post_attention_layernorm.weight", h)
            mlpInputNorm = try norm("pre_feedforward_layernorm.weight", h)
            mlpOutputNorm = try norm("post_feedforward_layernorm.weight", h)
        } else {
            mlpInputNorm = try norm("post_attention_layernorm.weight", h)
        }
        qkv = try WeightMatrix(store, [
            (p + "self_attn.q_proj.weight", [qRows, h]),
            (p + "self_attn.k_proj.weight", [kvRows, h]),
            (p + "self_attn.v_proj.weight", [kvRows, h]),
        ], format: format)
        if c.attentionBias {
            qkvBias = try store.concatenatedRows([
                (p + "self_attn.q_proj.bias", [qRows]),
                (p + "self_attn.k_proj.bias", [kvRows]),
                (p + "self_attn.v_proj.bias", [kvRows]),
            ])
            outputBias = try store.floats(p + "self_attn.o_proj.bias", shape: [h])
        }
        if layout.queryKeyNorm {
            queryNorm = try norm("self_attn.q_norm.weight", d)
            keyNorm = try norm("self_attn.k_norm.weight", d)
        }
        output = try WeightMatrix(store, [(p + "self_attn.o_proj.weight", [h, qRows])], format: format)
        gateUp = try WeightMatrix(store, [
            (p + "mlp.gate_proj.weight", [i, h]),
            (p + "mlp.up_proj.weight", [i, h]),
        ], format: format)
        down = try WeightMatrix(store, [(p + "mlp.down_proj.weight", [h, i])], format: format)
        if c.mlpBias {
            gateUpBias = try store.concatenatedRows([(p + "mlp.gate_proj.bias", [i]), (p + "mlp.up_proj.bias", [i])])
            downBias = try store.floats(p + "mlp.down_proj.bias", shape: [h])
        }
    }
}

extension WeightStore {
    /// An RMSNorm weight in float32, with `offset` added (1 for Gemma's `1 + w` convention).
    func normWeight(_ name: String, size: Int, offset: Float) throws -> FloatBuffer {
        let weight = try floats(name, shape: [size])
        for i in 0..<size { weight[i] += offset }
        return weight
    }

    /// Decodes tensors with equal trailing dimensions into one float32 buffer, stacked along
    /// their first dimension (so `[q; k; v]` becomes one fused projection).
    func concatenatedRows(_ parts: [(name: String, shape: [Int])]) throws -> FloatBuffer {
        let views = try parts.map { try view($0.name, shape: $0.shape) }
        let buffer = FloatBuffer(count: views.reduce(0) { $0 + $1.elementCount })
        var offset = 0
        for view in views {
            decode(view, into: buffer.pointer + offset, count: view.elementCount)
            offset += view.elementCount
        }
        return buffer
    }
}
