import CBLAS

/// `out[rows x outFeatures] = input[rows x inFeatures] · weightᵀ (+ out if accumulate)`, the
/// product of a Hugging Face `nn.Linear` whose weight is stored `[out, in]` row-major.
/// `accumulate` adds into `out` instead of overwriting, which is how residual connections
/// are folded into the projection GEMM for free.
@inline(__always)
func linear(_ input: UnsafePointer<Float>, rows: Int, inFeatures: Int, inputStride: Int? = nil,
            weight: UnsafePointer<Float>, outFeatures: Int,
            into out: UnsafeMutablePointer<Float>, outputStride: Int? = nil, accumulate: Bool = false) {
    guard rows > 0 else { return }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                Int32(rows), Int32(outFeatures), Int32(inFeatures),
                1, input, Int32(inputStride ?? inFeatures),
                weight, Int32(inFeatures),
                accumulate ? 1 : 0, out, Int32(outputStride ?? outFeatures))
}

/// Adds `bias[columns]` to every row of `matrix[rows x columns]`.
func addBias(_ bias: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int? = nil) {
    let stride = stride ?? columns
    for r in 0..<rows {
        let row = matrix + r * stride
        for c in 0..<columns { row[c] += bias[c] }
    }
}
