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

/// Causal grouped-query attention of one segment and one query head, in blocks of query rows
/// so the score scratch is `blockRows x (context + tokens)` rather than quadratic, and each
/// block multiplies only against the keys it may see.
///
///     scores = scale · Q · [K_context ; K_own]ᵀ      (own keys causally masked)
///     out    = softmax(scores) · [V_context ; V_own]
///
/// Score columns are absolute key positions (context tokens are positions `0..<context`, own
/// tokens follow), so a sliding window of `w` keeps columns `pos - w + 1 ... pos` of the row
/// at position `pos`. With `softcap > 0` logits are capped to `softcap · tanh(logit / softcap)`.
///
/// `scratch` must hold `blockRows * (context + tokens)` floats.
enum CausalAttention {
    static let blockRows = 128

    static func run(_ o: AttentionOperands, head: Int, keyValueHead: Int, headDimension d: Int,
                    scale: Float, softcap: Float = 0, window: Int? = nil, scratch: UnsafeMutablePointer<Float>) {
        let q = o.queries + head * d
        let out = o.output + head * d
        let contextLength = o.context?.count ?? 0
        var first = 0
        while first < o.tokens {
            let rows = min(blockRows, o.tokens - first)
            let visible = first + rows  // own keys 0..<visible are seen by some row of the block
            let width = contextLength + visible
            let qBlock = q + first * o.queryStride
            if let context = o.context {
                gemmScores(qBlock, o.queryStride, context.keys + keyValueHead * d, context.rowStride,
                           rows: rows, keys: contextLength, d: d, scale: scale, into: scratch, ld: width)
            }
            gemmScores(qBlock, o.queryStride, o.own.keys + keyValueHead * d, o.own.rowStride,
                       rows: rows, keys: visible, d: d, scale: scale, into: scratch + contextLength, ld: width)
            for r in 0..<rows {
                let position = contextLength + first + r
                let begin = window.map { max(0, position - $0 + 1) } ?? 0
                wn_softmax_row(scratch + r * width, Int32(begin), Int32(position + 1), Int32(width), softcap)
            }
            let outBlock = out + first * o.outputStride
            if let context = o.context {
                gemmWeightedValues(scratch, ld: width, context.values + keyValueHead * d, context.rowStride,
                                   rows: rows, keys: contextLength, d: d, into: outBlock, o.outputStride, accumulate: false)
            }
            gemmWeightedValues(scratch + contextLength, ld: width, o.own.values + keyValueHead * d, o.own.rowStride,
                               rows: rows, keys: visible, d: d, into: outBlock, o.outputStride, accumulate: o.context != nil)
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
