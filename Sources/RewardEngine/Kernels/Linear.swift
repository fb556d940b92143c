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

/// `out = input · Wᵀ (+ out)` for a `WeightMatrix`. Float32 weights are one GEMM; mapped
/// weights are widened `tile` rows at a time into `scratch` (`tileRows x columns` floats), each
/// tile one GEMM writing its block of output columns; int8 weights go through `int8Linear`.
@inline(__always)
func linear(_ input: UnsafePointer<Float>, rows: Int, weight: WeightMatrix,
            into out: UnsafeMutablePointer<Float>, accumulate: Bool = false, scratch: WeightScratch) {
    switch weight.storage {
    case .float32(let w):
        linear(input, rows: rows, inFeatures: weight.columns, weight: w.pointer, outFeatures: weight.rows,
               into: out, accumulate: accumulate)
    case .mapped:
        var first = 0
        while first < weight.rows {
            let count = min(scratch.tileRows, weight.rows - first)
            weight.decodeRows(first, count: count, into: scratch.buffer.pointer)
            guard rows > 0 else { first += count; continue }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                        Int32(rows), Int32(count), Int32(weight.columns),
                        1, input, Int32(weight.columns),
                        scratch.buffer.pointer, Int32(weight.columns),
                        accumulate ? 1 : 0, out + first, Int32(weight.rows))
            first += count
        }
    case .int8(let q):
        // The workspace of an int8 model always has int8 scratch (Workspace.init).
        int8Linear(input, rows: rows, weight: q, into: out, accumulate: accumulate, scratch: scratch.int8!)
    }
}

/// Float32 room for one tile of widened weight rows, and the int8 mode's scratch when it runs.
struct WeightScratch {
    let tileRows: Int
    let buffer: FloatBuffer
    let int8: Int8Scratch?

    init(tileRows: Int, maxColumns: Int, int8: Int8Scratch? = nil) {
        self.tileRows = tileRows
        buffer = FloatBuffer(uninitializedCount: tileRows * maxColumns)
        self.int8 = int8
    }
}

/// Adds `bias[columns]` to every row of `matrix[rows x columns]`.
func addBias(_ bias: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int? = nil) {
    let stride = stride ?? columns
    for r in 0..<rows {
        let row = matrix + r * stride
        for c in 0..<columns { row[c] += bias[c] }
    }
}
