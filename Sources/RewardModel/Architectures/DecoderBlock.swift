/// The weights of one pre-norm decoder block as Llama and Qwen3 share it:
///
///     h = x + o_proj(attention(rope(q_norm?(q_proj(n))), rope(k_norm?(k_proj(n))), v_proj(n)))   n = input_layernorm(x)
///     y = h + down_proj(silu(gate_proj(m)) · up_proj(m))                                         m = post_attention_layernorm(h)
///
/// q/k/v and gate/up are concatenated at load so each is one GEMM over the packed batch.
struct DecoderBlockWeights: @unchecked Sendable {
    var inputNorm: FloatBuffer              // [hidden]
    var qkv: WeightMatrix                   // [(heads + 2·kvHeads)·headDim, hidden]
    var qkvBias: FloatBuffer?               // [(heads + 2·kvHeads)·headDim]
    var queryNorm: FloatBuffer?             // [headDim], Qwen3
    var keyNorm: FloatBuffer?               // [headDim], Qwen3
    var output: WeightMatrix                // [hidden, heads·headDim]
    var outputBias: FloatBuffer?            // [hidden]
    var postAttentionNorm: FloatBuffer      // [hidden]
    var gateUp: WeightMatrix                // [2·intermediate, hidden]
    var gateUpBias: FloatBuffer?            // [2·intermediate]
    var down: WeightMatrix                  // [hidden, intermediate]
    var downBias: FloatBuffer?              // [hidden]

    /// Loads block `index` from Hugging Face names `model.layers.{index}.…`.
    init(_ store: WeightStore, index: Int, _ c: ModelConfiguration, queryKeyNorm: Bool, precision: WeightPrecision) throws {
        let p = "model.layers.\(index)."
        let h = c.hiddenSize, d = c.headDimension, i = c.intermediateSize
        let qRows = c.headCount * d, kvRows = c.keyValueHeadCount * d
        inputNorm = try store.floats(p + "input_layernorm.weight", shape: [h])
        qkv = try WeightMatrix(store, [
            (p + "self_attn.q_proj.weight", [qRows, h]),
            (p + "self_attn.k_proj.weight", [kvRows, h]),
            (p + "self_attn.v_proj.weight", [kvRows, h]),
        ], precision: precision)
        if c.attentionBias {
            qkvBias = try store.concatenatedRows([
                (p + "self_attn.q_proj.bias", [qRows]),
                (p + "self_attn.k_proj.bias", [kvRows]),
                (p + "self_attn.v_proj.bias", [kvRows]),
            ])
            outputBias = try store.floats(p + "self_attn.o_proj.bias", shape: [h])
        }
        if queryKeyNorm {
            queryNorm = try store.floats(p + "self_attn.q_norm.weight", shape: [d])
            keyNorm = try store.floats(p + "self_attn.k_norm.weight", shape: [d])
        }
        output = try WeightMatrix(store, [(p + "self_attn.o_proj.weight", [h, qRows])], precision: precision)
        postAttentionNorm = try store.floats(p + "post_attention_layernorm.weight", shape: [h])
        gateUp = try WeightMatrix(store, [
            (p + "mlp.gate_proj.weight", [i, h]),
            (p + "mlp.up_proj.weight", [i, h]),
        ], precision: precision)
        down = try WeightMatrix(store, [(p + "mlp.down_proj.weight", [h, i])], precision: precision)
        if c.mlpBias {
            gateUpBias = try store.concatenatedRows([(p + "mlp.gate_proj.bias", [i]), (p + "mlp.up_proj.bias", [i])])
            downBias = try store.floats(p + "mlp.down_proj.bias", shape: [h])
        }
    }
}

extension WeightStore {
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
