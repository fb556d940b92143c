import CKernels

/// The orthogonal rotation R = diag(signs) · blockdiag(H_b) / sqrt(b) (H_b the Walsh-Hadamard
/// matrix of order b, signs a fixed ±1 pattern) that the int8 mode puts on a linear's input:
/// x · Wᵀ = (x R) · (W R)ᵀ, so the weights are rotated once at load and the activations on the
/// fly inside their quantization pass (wn_quantize_rows_u8_rotated).
///
/// Why: 8-bit rows lose precision to their largest entry. A row with a few large entries, as the
/// SwiGLU product feeding `down_proj` is (max/rms about 10 against about 3.5 for a Gaussian row
/// of that width), spends most of its 255 levels on them; the rotation spreads every entry over
/// the whole block, so the rotated row is close to Gaussian and its step about 3 times finer.
/// Measured on the Qwen3-0.6B-shaped checkpoint in BENCHMARKS.md ("int8 fidelity").
struct HadamardRotation: @unchecked Sendable {
    /// The largest block used: the spread gained from 256 to 1024 measured nil (8.7e-3 against
    /// 8.5e-3 relative error on down_proj's input) while each doubling adds a butterfly pass.
    static let maximumBlock = 256
    /// The vector paths run the first 16 (AVX-512) or 8 (AVX2) butterflies inside one register.
    static let minimumBlock = 16

    let block: Int
    let signs: FloatBuffer

    /// The rotation for rows of `columns`, with the largest power-of-two block up to
    /// `maximumBlock` that divides it; nil when that block is under `minimumBlock`.
    init?(columns: Int) {
        var block = 1
        while block < Self.maximumBlock && columns % (block * 2) == 0 { block *= 2 }
        guard columns > 0, block >= Self.minimumBlock else { return nil }
        self.block = block
        // A fixed pattern, so that the same checkpoint always quantizes the same way.
        signs = FloatBuffer(uninitializedCount: columns)
        var generator = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        for c in 0..<columns { signs[c] = generator.next() & 1 == 0 ? 1 : -1 }
    }

    /// Rotates `rows` rows of `signs.count` floats in place: row ← row · R.
    func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int) {
        let columns = signs.count
        let unit = 1 / Float(block).squareRoot()
        for r in 0..<rows {
            let row = x + r * columns
            wn_hadamard_row(row, signs.pointer, Int32(columns), Int32(block), row)
            for c in 0..<columns { row[c] *= unit }
        }
    }
}
