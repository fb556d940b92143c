import CBLAS
import CKernels

/// A decoder-only transformer with a `score` head: `*ForSequenceClassification` with one label.
/// reward = score · final_norm(h_L)[last non-pad token].
/// `@unchecked Sendable`: weights are read-only after `init`; `profile`, the one mutable field,
/// is written only by `forward`, which `RewardModel` runs under its lock.
final class DecoderClassifier: @unchecked Sendable {
    let configuration: ModelConfiguration
    /// `model.embed_tokens.weight`, left memory-mapped in its stored dtype: rows are decoded
    /// as tokens need them (the Qwen3 vocabulary alone would be 600 MB in float32).
    let embedding: TensorView
    let blocks: [DecoderBlockWeights]
    let finalNorm: FloatBuffer
    let scoreHead: FloatBuffer
    let rotary: RotaryEmbedding
    let pool: ComputePool
    var profile = ForwardProfile()

    init(store: WeightStore, configuration c: ModelConfiguration, maxPositions: Int, format: WeightFormat,
         pool: ComputePool) throws {
        configuration = c
        embedding = try store.view("model.embed_tokens.weight", shape: [c.vocabularySize, c.hiddenSize])
        switch c.family {
        case .qwen3: blocks = try Qwen3.blocks(store, c, format: format)
        case .gemma2: blocks = try Gemma2.blocks(store, c, format: format)
        case .llama: blocks = try Llama.blocks(store, c, format: format)
        }
        finalNorm = try store.normWeight("model.norm.weight", size: c.hiddenSize, offset: c.normWeightOffset)
        scoreHead = try store.floats("score.weight", shape: [1, c.hiddenSize])
        rotary = RotaryEmbedding(headDimension: c.headDimension, positions: maxPositions, parameters: c.rope)
        self.pool = pool
    }

    /// Runs `pass` and returns `(output index, score)` for each scored row.
    /// `pass.tokenCount` must not exceed `ws.capacity`; prefix slots must lie in `cache`.
    func forward(_ pass: ForwardPass, workspace ws: Workspace, cache: PrefixCache) -> [(output: Int, score: Float)] {
        let c = configuration
        let n = pass.tokenCount
        let hiddenSize = c.hiddenSize, d = c.headDimension
        let heads = c.headCount, kvHeads = c.keyValueHeadCount
        let qkvWidth = (heads + 2 * kvHeads) * d, attentionWidth = heads * d, kvWidth = kvHeads * d
        let x = ws.hidden.pointer, normed = ws.normed.pointer
        let qkv = ws.qkv.pointer, attention = ws.attention.pointer
        let epsilon = c.rmsNormEpsilon
        let scale = c.attentionScale, softcap = c.attentionLogitSoftcap ?? 0
        let groupSize = heads / kvHeads

        profile.count(tokens: n)
        // Rows carried through a layer: all of them, until the last layer narrows them down.
        var rows = n
        let scoredRows = Array(Set(pass.scored.map(\.row))).sorted()
        // Attention batches depend on the pass's segments only: planned once for every layer.
        let batches = CausalAttention.batches(pass.segments, groupSize: groupSize, capacity: ws.capacity)
        // The last layer's attention is needed for the scored rows only (their keys and values
        // still come from every row's projection).
        let lastBatches = CausalAttention.batches(pass.segments, groupSize: groupSize, capacity: ws.capacity,
                                                  onlyRows: scoredRows)
        // Each segment's queries, keys, values and output inside the packed buffers (the same every layer).
        let operands = pass.segments.map { segment in
            let rows = qkv + segment.start * qkvWidth
            return AttentionSegment(
                queries: rows, queryStride: qkvWidth,
                own: KeyValueRows(keys: rows + heads * d, values: rows + (heads + kvHeads) * d,
                                  rowStride: qkvWidth, count: segment.length),
                output: attention + segment.start * attentionWidth, outputStride: attentionWidth)
        }
        var t = now()
        pass.tokens.withUnsafeBufferPointer { tokens in
            pool.parallelFor(n, minimumPerWorker: 64) { r in
                decode(embedding, into: x + r * hiddenSize, count: hiddenSize, offset: Int(tokens[r]) * hiddenSize)
                if let factor = c.embeddingScale { cblas_sscal(Int32(hiddenSize), factor, x + r * hiddenSize, 1) }
            }
        }
        profile.add(.embedding, since: t)

        for (layer, block) in blocks.enumerated() {
            // Attention half.
            t = now()
            rmsNormRows(x, rows: n, count: hiddenSize, weight: block.attentionInputNorm.pointer, epsilon: epsilon, into: normed, pool: pool)
            profile.add(.norms, since: t); t = now()
            linear(normed, rows: n, weight: block.qkv, into: qkv, scratch: ws.weightTile)
            profile.countGEMM(rows: n, weight: block.qkv)
            if let bias = block.qkvBias { addBias(bias.pointer, to: qkv, rows: n, columns: qkvWidth) }
            profile.add(.projections, since: t); t = now()
            pass.positions.withUnsafeBufferPointer { positions in
                pool.parallelFor(n, minimumPerWorker: 16) { r in
                    let q = qkv + r * qkvWidth, k = q + heads * d
                    if let qn = block.queryNorm, let kn = block.keyNorm {
                        for h in 0..<heads { rmsNorm(q + h * d, weight: qn.pointer, count: d, epsilon: epsilon, into: q + h * d) }
                        for h in 0..<kvHeads { rmsNorm(k + h * d, weight: kn.pointer, count: d, epsilon: epsilon, into: k + h * d) }
                    }
                    rotary.rotate(q, heads: heads, position: Int(positions[r]))
                    rotary.rotate(k, heads: kvHeads, position: Int(positions[r]))
                }
            }
            profile.add(.positional, since: t); t = now()
            // A prefix keeps its keys and values ([k | v] is contiguous in each qkv row).
            for segment in pass.segments {
                guard let slot = segment.stores else { continue }
                let destination = cache.rows(slot, layer: layer)
                for r in 0..<segment.length {
                    (destination + r * cache.rowWidth).update(from: qkv + (segment.start + r) * qkvWidth + heads * d, count: 2 * kvWidth)
                }
            }
            let window = c.slidingLayers[layer] ? c.slidingWindow : nil
            operands.withUnsafeBufferPointer { operands in
                let batches = layer == blocks.count - 1 ? lastBatches : batches
                pool.parallelTasks(batches.count * kvHeads) { task, worker in
                    let batch = batches[task / kvHeads], keyValueHead = task % kvHeads
                    let context = batch.context.map { slot -> KeyValueRows in
                        let cached = cache.rows(slot, layer: layer)
                        return KeyValueRows(keys: cached, values: cached + kvWidth, rowStride: cache.rowWidth, count: slot.count)
                    }
                    CausalAttention.run(batch, segments: operands, context: context, keyValueHead: keyValueHead,
                                        groupSize: groupSize, headDimension: d, scale: scale, softcap: softcap,
                                        window: window, scratch: ws.attentionScratch[worker])
                }
            }
            profile.add(.attention, since: t); t = now()
            // Past the last attention, only the scored rows matter: gather them to the top of
            // the residual and attention buffers so the last output projection and MLP run on
            // those rows alone.
            if layer == blocks.count - 1 {
                rows = compactScoredRows(x: x, attention: attention, hiddenSize: hiddenSize,
                                         attentionWidth: attentionWidth, scoredRows: scoredRows)
            }
            if let outputNorm = block.attentionOutputNorm {
                // Gemma-2: x += norm(o_proj(attention)), through `normed` (free after the qkv GEMM).
                linear(attention, rows: rows, weight: block.output, into: normed, scratch: ws.weightTile)
                if let bias = block.outputBias { addBias(bias.pointer, to: normed, rows: rows, columns: hiddenSize) }
                rmsNormRows(normed, rows: rows, count: hiddenSize, weight: outputNorm.pointer, epsilon: epsilon, into: normed, pool: pool)
                cblas_saxpy(Int32(rows * hiddenSize), 1, normed, 1, x, 1)
            } else {
                linear(attention, rows: rows, weight: block.output, into: x, accumulate: true, scratch: ws.weightTile)
                if let bias = block.outputBias { addBias(bias.pointer, to: x, rows: rows, columns: hiddenSize) }
            }
            profile.countGEMM(rows: rows, weight: block.output)

            profile.add(.projections, since: t); t = now()

            // MLP half, in row tiles so the wide intermediate activations stay small.
            rmsNormRows(x, rows: rows, count: hiddenSize, weight: block.mlpInputNorm.pointer, epsilon: epsilon, into: normed, pool: pool)
            profile.add(.norms, since: t)
            // Gemma-2's x += norm(down(...)) goes through the gate/up buffer (free once the
            // activation has read it); the others accumulate onto the residual in the down GEMM.
            var first = 0
            while first < rows {
                let tile = min(ws.mlpTile, rows - first)
                let residual = x + first * hiddenSize
                let out = block.mlpOutputNorm == nil ? residual : ws.gateUp.pointer
                gatedMLP(block, normed + first * hiddenSize, rows: tile, into: out,
                         accumulate: block.mlpOutputNorm == nil, workspace: ws)
                t = now()
                if let bias = block.downBias { addBias(bias.pointer, to: out, rows: tile, columns: hiddenSize) }
                if let outputNorm = block.mlpOutputNorm {
                    rmsNormRows(out, rows: tile, count: hiddenSize, weight: outputNorm.pointer, epsilon: epsilon, into: out, pool: pool)
                    cblas_saxpy(Int32(tile * hiddenSize), 1, out, 1, residual, 1)
                }
                profile.add(.mlpGEMM, since: t)
                first += tile
            }
        }
        t = now()
        defer { profile.add(.head, since: t) }

        // Final norm and the score head on the compacted scored rows.
        let compactRow = Dictionary(uniqueKeysWithValues: scoredRows.enumerated().map { ($1, $0) })
        return pass.scored.map { item in
            let row = normed  // free now; reuse its first row
            rmsNorm(x + compactRow[item.row]! * hiddenSize, weight: finalNorm.pointer, count: hiddenSize, epsilon: epsilon, into: row)
            return (item.output, wn_dot(row, scoreHead.pointer, Int32(hiddenSize)))
        }
    }

    /// `out (+)= down(act(gate(input)) · up(input))` for one tile of rows (at most `ws.mlpTile`):
    /// int8 weights in one pass per row block (`int8GatedMLP`), otherwise the gate/up GEMM into
    /// `ws.gateUp`, the activation into `ws.activated` and the down GEMM.
    private func gatedMLP(_ block: DecoderBlockWeights, _ input: UnsafePointer<Float>, rows: Int,
                          into out: UnsafeMutablePointer<Float>, accumulate: Bool, workspace ws: Workspace) {
        let c = configuration
        var t = now()
        if case .int8(let gateUp) = block.gateUp.storage, case .int8(let down) = block.down.storage,
           let scratch = ws.weightTile.int8 {
            int8GatedMLP(input, rows: rows, gateUp: gateUp, gateUpBias: block.gateUpBias, activation: c.activation,
                         down: down, into: out, accumulate: accumulate, scratch: scratch)
        } else {
            linear(input, rows: rows, weight: block.gateUp, into: ws.gateUp.pointer, scratch: ws.weightTile)
            if let bias = block.gateUpBias {
                addBias(bias.pointer, to: ws.gateUp.pointer, rows: rows, columns: 2 * c.intermediateSize)
            }
            profile.add(.mlpGEMM, since: t); t = now()
            gatedActivation(c.activation, gateUp: ws.gateUp.pointer, rows: rows, width: c.intermediateSize,
                            into: ws.activated.pointer, pool: pool)
            profile.add(.activation, since: t); t = now()
            linear(ws.activated.pointer, rows: rows, weight: block.down, into: out, accumulate: accumulate, scratch: ws.weightTile)
        }
        profile.countGEMM(rows: rows, weight: block.gateUp)
        profile.countGEMM(rows: rows, weight: block.down)
        profile.add(.mlpGEMM, since: t)
    }

    /// Moves the residual and attention rows listed in `scoredRows` (ascending, distinct) to
    /// rows `0..<count`, in order, and returns the count. Moving ascending rows downwards never
    /// overwrites a row still to be moved.
    private func compactScoredRows(x: UnsafeMutablePointer<Float>, attention: UnsafeMutablePointer<Float>,
                                   hiddenSize: Int, attentionWidth: Int, scoredRows: [Int]) -> Int {
        for (k, row) in scoredRows.enumerated() where k != row {
            (x + k * hiddenSize).update(from: x + row * hiddenSize, count: hiddenSize)
            (attention + k * attentionWidth).update(from: attention + row * attentionWidth, count: attentionWidth)
        }
        return scoredRows.count
    }
}
