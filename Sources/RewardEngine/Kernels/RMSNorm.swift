import CKernels

/// Root-mean-square layer norm as transformers computes it in float32:
/// `y = x · rsqrt(mean(x²) + eps) · weight`. `y` may be `x`.
@inline(__always)
func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, epsilon: Float,
             into y: UnsafeMutablePointer<Float>) {
    wn_rms_norm(x, weight, Int32(count), epsilon, y)
}

/// RMS-normalises every row of `x[rows x count]` into `y`.
func rmsNormRows(_ x: UnsafePointer<Float>, rows: Int, count: Int,
                 weight: UnsafePointer<Float>, epsilon: Float,
                 into y: UnsafeMutablePointer<Float>, pool: ComputePool) {
    pool.parallelFor(rows, minimumPerWorker: 16) { r in
        wn_rms_norm(x + r * count, weight, Int32(count), epsilon, y + r * count)
    }
}
