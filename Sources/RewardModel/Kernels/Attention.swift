import CBLAS
import CKernels

/// Where one sequence's queries, keys and values lie inside the packed projection output.
struct AttentionOperands {
    /// Row 0 of this sequence's queries for head 0; heads follow every `headDimension` floats.
    var queries: UnsafePointer<Float>
    var keys: UnsafePointer<Float>
    var values: UnsafePointer<Float>
    /// Float distance between consecutive tokens' rows in `queries`/`keys`/`values`.
    var rowStride: Int
    /// Row 0 of this sequence's output for head 0.
    var output: UnsafeMutablePointer<Float>
    var outputStride: Int
    var tokens: Int
}

/// Causal grouped-query attention of one sequence and one query head, in blocks of query rows
/// so the score scratch is `blockRows x tokens` rather than `tokens²`, and so each block only
/// multiplies against the keys it may see (half the work of a masked square).
///
/// `scratch` must hold `CausalAttention.blockRows * tokens` floats.
enum CausalAttention {
    static let blockRows = 128

    static func run(_ o: AttentionOperands, head: Int, keyValueHead: Int, headDimension d: Int,
                    scale: Float, scratch: UnsafeMutablePointer<Float>) {
        let q = o.queries + head * d
        let k = o.keys + keyValueHead * d
        let v = o.values + keyValueHead * d
        let out = o.output + head * d
        var first = 0
        while first < o.tokens {
            let rows = min(blockRows, o.tokens - first)
            let visible = first + rows  // keys 0..<visible can be seen by some row of the block
            // scores[rows x visible] = scale · Q[first..<first+rows] · K[0..<visible]ᵀ
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                        Int32(rows), Int32(visible), Int32(d),
                        scale, q + first * o.rowStride, Int32(o.rowStride),
                        k, Int32(o.rowStride),
                        0, scratch, Int32(visible))
            for r in 0..<rows {
                wn_softmax_masked_row(scratch + r * visible, Int32(first + r + 1), Int32(visible))
            }
            // out[first..<first+rows] = P · V[0..<visible]
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        Int32(rows), Int32(d), Int32(visible),
                        1, scratch, Int32(visible),
                        v, Int32(o.rowStride),
                        0, out + first * o.outputStride, Int32(o.outputStride))
            first += rows
        }
    }
}
