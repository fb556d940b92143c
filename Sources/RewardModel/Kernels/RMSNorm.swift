import Foundation

/// Root-mean-square layer norm as transformers computes it in float32:
/// `y = x · rsqrt(mean(x²) + eps) · weight`.
@inline(__always)
func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, count: Int, epsilon: Float,
             into y: UnsafeMutablePointer<Float>) {
    var sum8 = Vector8()
    var i = 0
    while i + 8 <= count {
        let v = load8(x + i)
        sum8 += v * v
        i += 8
    }
    var sum = sum8.sum()
    while i < count { sum += x[i] * x[i]; i += 1 }
    let scale = 1 / (sum / Float(count) + epsilon).squareRoot()
    i = 0
    while i + 8 <= count {
        store8(load8(x + i) * scale * load8(weight + i), y + i)
        i += 8
    }
    while i < count { y[i] = x[i] * scale * weight[i]; i += 1 }
}

/// RMS-normalises every row of `x[rows x count]` (row stride `stride`) into `y`.
func rmsNormRows(_ x: UnsafePointer<Float>, rows: Int, count: Int, stride: Int? = nil,
                 weight: UnsafePointer<Float>, epsilon: Float,
                 into y: UnsafeMutablePointer<Float>, outputStride: Int? = nil, pool: ComputePool) {
    let inStride = stride ?? count, outStride = outputStride ?? count
    pool.parallelFor(rows, minimumPerWorker: 16) { r in
        rmsNorm(x + r * inStride, weight: weight, count: count, epsilon: epsilon, into: y + r * outStride)
    }
}
