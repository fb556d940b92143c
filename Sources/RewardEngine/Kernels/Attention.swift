import CBLAS
import CKernels

/// Keys and values a segment's queries attend to: rows of `[k | v]` laid out with `rowStride`
/// floats between tokens, `values` a fixed distance after `keys`.
struct KeyValueRows {
    var keys: UnsafePointer<Float>
    var values: UnsafePointer<Float>
    var rowStride: Int
    var count: Int
}

/// One segment's attention operands: its own queries/keys/values inside the packed projection
/// output, and optionally a cached context (a shared prompt's keys and values) that comes
/// before its own tokens and is fully visible to them.
struct AttentionOperands {
    var queries: UnsafePointer<Float>
    var queryStride: Int
    var own: KeyValueRows
    var context: KeyValueRows?
    var output: UnsafeMutablePointer<Float>
    var outputStride: Int
    var tokens: Int
}

/// One worker's scratch for `CausalAttention`: the query heads of one key/value head gathered
/// into one matrix, their score block, and their output block.
struct AttentionScratch {
    let queries: FloatBuffer   // [groupSize · blockRows x headDim]
    let scores: FloatBuffer    // [groupSize · blockRows x capacity]
    let outputs: FloatBuffer   // [groupSize · blockRows x headDim]

    init(capacity: Int, groupSize: Int, headDimension: Int) {
        let rows = groupSize * CausalAttention.blockRows(groupSize: groupSize)
        queries = FloatBuffer(uninitializedCount: rows * headDimension)
        scores = FloatBuffer(uninitializedCount: rows * capacity)
        outputs = FloatBuffer(uninitializedCount: rows * headDimension)
    }

    /// Floats one scratch holds, for the memory plan.
    static func floats(capacity: Int, groupSize: Int, headDimension: Int) -> Int {
        let rows = groupSize * CausalAttention.blockRows(groupSize: groupSize)
        return rows * (capacity + 2 * headDimension)
    }
}

/// Causal grouped-query attention of one segment and one key/value head, for all the query
/// heads that share it, in blocks of query rows so the score scratch is
/// `groupSize · blockRows x (context + tokens)` rather than quadratic, and each block
/// multiplies only against the keys it may see.
///
///     scores = scale · Q_group · [K_context ; K_own]ᵀ      (own keys causally masked)
///     out    = softmax(scores) · [V_context ; V_own]
///
/// The query heads of a group are gathered head after head into one matrix, so each block is
/// one score GEMM and one value GEMM of `groupSize · rows` rows against keys and values packed
/// once — rather than `groupSize` GEMMs of `rows` rows that each pack the same keys again. Blocks
/// are small enough (`blockRows`) that little of the causal triangle's upper half is computed
/// and discarded, and large enough to keep the GEMMs efficient.
///
/// Score columns are absolute key positions (context tokens are positions `0..<context`, own
/// tokens follow), so a sliding window of `w` keeps columns `pos - w + 1 ... pos` of the row
/// at position `pos`. With `softcap > 0` logits are capped to `softcap · tanh(logit / softcap)`.
enum CausalAttention {
    /// Query positions per block: the group's GEMMs then have about 128 rows
    /// (`groupSize · blockRows`), at least 32 positions per head.
    static func blockRows(groupSize: Int) -> Int {
        max(32, 128 / max(1, groupSize))
    }

    static func run(_ o: AttentionOperands, keyValueHead: Int, groupSize: Int, headDimension d: Int,
                    scale: Float, softcap: Float = 0, window: Int? = nil, scratch: AttentionScratch) {
        let firstHead = keyValueHead * groupSize
        let contextLength = o.context?.count ?? 0
        let blockRows = blockRows(groupSize: groupSize)
        let gathered = scratch.queries.pointer, scores = scratch.scores.pointer, outputs = scratch.outputs.pointer
        var first = 0
        while first < o.tokens {
            let rows = min(blockRows, o.tokens - first)
            let groupRows = groupSize * rows
            let visible = first + rows  // own keys 0..<visible are seen by some row of the block
            let width = contextLength + visible
            // Row `j · rows + r` of the group matrices is query head `firstHead + j` at position `first + r`.
            for j in 0..<groupSize {
                let source = o.queries + first * o.queryStride + (firstHead + j) * d
                for r in 0..<rows {
                    (gathered + (j * rows + r) * d).update(from: source + r * o.queryStride, count: d)
                }
            }
            if let context = o.context {
                gemmScores(gathered, d, context.keys + keyValueHead * d, context.rowStride,
                           rows: groupRows, keys: contextLength, d: d, scale: scale, into: scores, ld: width)
            }
            gemmScores(gathered, d, o.own.keys + keyValueHead * d, o.own.rowStride,
                       rows: groupRows, keys: visible, d: d, scale: scale, into: scores + contextLength, ld: width)
            for i in 0..<groupRows {
                let position = contextLength + first + i % rows
                let begin = window.map { max(0, position - $0 + 1) } ?? 0
                wn_softmax_row(scores + i * width, Int32(begin), Int32(position + 1), Int32(width), softcap)
            }
            if let context = o.context {
                gemmWeightedValues(scores, ld: width, context.values + keyValueHead * d, context.rowStride,
                                   rows: groupRows, keys: contextLength, d: d, into: outputs, d, accumulate: false)
            }
            gemmWeightedValues(scores + contextLength, ld: width, o.own.values + keyValueHead * d, o.own.rowStride,
                               rows: groupRows, keys: visible, d: d, into: outputs, d, accumulate: o.context != nil)
            for j in 0..<groupSize {
                let destination = o.output + first * o.outputStride + (firstHead + j) * d
                for r in 0..<rows {
                    (destination + r * o.outputStride).update(from: outputs + (j * rows + r) * d, count: d)
                }
            }
            first += rows
        }
    }

    /// `scores[rows x keys] = scale · Q · Kᵀ` into a score block with leading dimension `ld`.
    @inline(__always)
    private static func gemmScores(_ q: UnsafePointer<Float>, _ qStride: Int, _ k: UnsafePointer<Float>, _ kStride: Int,
                                   rows: Int, keys: Int, d: Int, scale: Float,
                                   into scores: UnsafeMutablePointer<Float>, ld: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keys), Int32(d),
                    scale, q, Int32(qStride), k, Int32(kStride), 0, scores, Int32(ld))
    }

    /// `out[rows x d] (+)= P · V` for a probability block with leading dimension `ld`.
    @inline(__always)
    private static func gemmWeightedValues(_ p: UnsafePointer<Float>, ld: Int, _ v: UnsafePointer<Float>, _ vStride: Int,
                                           rows: Int, keys: Int, d: Int,
                                           into out: UnsafeMutablePointer<Float>, _ outStride: Int, accumulate: Bool) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(keys),
                    1, p, Int32(ld), v, Int32(vStride), accumulate ? 1 : 0, out, Int32(outStride))
    }
}
