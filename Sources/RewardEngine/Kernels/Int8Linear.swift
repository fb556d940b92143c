import CKernels
import Foundation

/// A linear weight quantized for the int8 mode: `values[r][c] = round(w[r][c] / scales[r])` in
/// [-127, 127] (symmetric, one float scale per output row), plus the per-row correction that
/// makes the u8 activations' zero point exact. With a `rotation`, `w` is the weight times that
/// rotation (W R), and `int8Linear` rotates each input row alike before quantizing it.
final class QuantizedMatrix: @unchecked Sendable {
    let rows: Int
    let columns: Int
    let values: UnsafeMutablePointer<Int8>
    let scales: FloatBuffer
    /// `-zeroPoint · Σ_c values[r][c]`, added by the GEMM to output column r: the activations
    /// are stored as `v + zeroPoint`, and this removes `zeroPoint · Σ values` exactly.
    let offsets: UnsafeMutablePointer<Int32>
    /// The rotation folded into `values`, when the input is rotated (HadamardRotation).
    let rotation: HadamardRotation?

    /// Quantizes the stacked `views` (`rows x columns` in all) for activations whose zero point
    /// is `zeroPoint`, a few rows at a time through float32, releasing each view's mapped pages.
    /// `rotated` folds a HadamardRotation of the input into the weights first, where the width
    /// allows one (HadamardRotation.init).
    init(_ views: [TensorView], rows: Int, columns: Int, zeroPoint: Int32, rotated: Bool) {
        self.rows = rows
        self.columns = columns
        rotation = rotated ? HadamardRotation(columns: columns) : nil
        values = .allocate(capacity: max(1, rows * columns))
        scales = FloatBuffer(count: rows)
        offsets = .allocate(capacity: max(1, rows))
        let chunk = 64
        let widened = FloatBuffer(uninitializedCount: chunk * columns)
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: chunk)
        defer { sums.deallocate() }
        var row = 0
        for view in views {
            var local = 0
            while local < view.shape[0] {
                let count = min(chunk, view.shape[0] - local)
                decode(view, into: widened.pointer, count: count * columns, offset: local * columns)
                rotation?.rotate(widened.pointer, rows: count)
                wn_quantize_weight_rows_s8(widened.pointer, Int32(count), Int32(columns), values + row * columns,
                                           scales.pointer + row, sums)
                for i in 0..<count { offsets[row + i] = -zeroPoint * sums[i] }
                local += count; row += count
            }
            view.releasePages()
        }
    }

    deinit {
        values.deallocate()
        offsets.deallocate()
    }

    var residentBytes: Int { rows * columns + rows * 8 + (rotation?.signs.count ?? 0) * 4 }
}

/// Room for one row tile of the int8 GEMM: the quantized activations, their row scales and the
/// int32 products, sized for the widest layer.
final class Int8Scratch: @unchecked Sendable {
    /// Rows quantized and multiplied per GEMM call: bounds the int32 buffer (512 x 6144 x 4 bytes
    /// for Qwen3-0.6B's gate/up) while keeping each GEMM large.
    static let tileRows = 512

    let activations: UnsafeMutablePointer<UInt8>
    let rowScales: FloatBuffer
    /// One row of rotated floats per 16-row quantization block (HadamardRotation), so the
    /// quantization pass allocates nothing.
    let rotated: FloatBuffer
    /// One dequantized gate/up row and one activated row per block, for `int8GatedMLP`.
    let gated: FloatBuffer
    let activated: FloatBuffer
    let products: UnsafeMutablePointer<Int32>
    /// The widest input a linear layer of the model has (a row of `rotated`).
    let maxInput: Int
    let levels: Int32
    let gemm: OneDNN.GemmU8S8S32
    let pool: ComputePool

    /// Sized for the widest input and output of `c`'s linear layers.
    convenience init(configuration c: ModelConfiguration, choice: ComputeChoice, pool: ComputePool) {
        let widths = Self.widths(c)
        self.init(maxInput: widths.input, maxOutput: widths.output, intermediate: c.intermediateSize, choice: choice, pool: pool)
    }

    init(maxInput: Int, maxOutput: Int, intermediate: Int, choice: ComputeChoice, pool: ComputePool) {
        self.maxInput = maxInput
        activations = .allocate(capacity: Self.tileRows * maxInput)
        rowScales = FloatBuffer(uninitializedCount: Self.tileRows)
        rotated = FloatBuffer(uninitializedCount: Self.blocksPerTile * maxInput)
        gated = FloatBuffer(uninitializedCount: Self.blocksPerTile * 2 * intermediate)
        activated = FloatBuffer(uninitializedCount: Self.blocksPerTile * intermediate)
        products = .allocate(capacity: Self.tileRows * maxOutput)
        levels = choice.activationLevels
        gemm = choice.gemm!
        self.pool = pool
    }

    deinit {
        activations.deallocate()
        products.deallocate()
    }

    /// Bytes the scratch for `c` holds, for the memory plan.
    static func bytes(configuration c: ModelConfiguration) -> Int {
        let (input, output) = widths(c)
        return tileRows * (input + 4 * output + 4) + blocksPerTile * (input + 3 * c.intermediateSize) * 4
    }

    /// The widest input (hidden, intermediate or attention width) and output (fused q/k/v,
    /// fused gate/up, hidden) of `c`'s linear layers.
    static func widths(_ c: ModelConfiguration) -> (input: Int, output: Int) {
        let qkvWidth = (c.headCount + 2 * c.keyValueHeadCount) * c.headDimension
        return (max(c.hiddenSize, c.intermediateSize, c.headCount * c.headDimension),
                max(qkvWidth, 2 * c.intermediateSize, c.hiddenSize))
    }

    /// Rows are quantized in blocks of `blockRows`, the blocks spread over the workers.
    static let blockRows = 16
    static var blocksPerTile: Int { (tileRows + blockRows - 1) / blockRows }
}

/// `out[rows x q.rows] (+)= input[rows x q.columns] · Wᵀ` in int8: each row tile's activations
/// are quantized per row, multiplied by oneDNN's u8 x s8 -> s32 GEMM with the zero point removed
/// through `q.offsets`, and dequantized with row scale x column scale into (or onto) `out`.
func int8Linear(_ input: UnsafePointer<Float>, rows: Int, weight q: QuantizedMatrix,
                into out: UnsafeMutablePointer<Float>, accumulate: Bool, scratch s: Int8Scratch) {
    var first = 0
    while first < rows {
        let count = min(Int8Scratch.tileRows, rows - first)
        s.quantize(input + first * q.columns, rows: count, for: q)
        s.multiply(rows: count, by: q)
        s.dequantize(rows: count, of: q, into: out + first * q.rows, accumulate: accumulate)
        first += count
    }
}

/// The gated MLP in int8, `out (+)= down(act(gate(x)) · up(x))`, with each row's gate/up products
/// turned into the down projection's quantized input while they are in cache: dequantized,
/// activated, rotated and quantized one 16-row block at a time on the workers, instead of a
/// float32 gate/up tile and an activation tile written out and read back (6144 + 3072 floats a
/// row for Qwen3-0.6B). Each row goes through the same kernels as `int8Linear` +
/// `gatedActivation` + `int8Linear`, so the result is the same to the bit.
func int8GatedMLP(_ input: UnsafePointer<Float>, rows: Int, gateUp: QuantizedMatrix, gateUpBias: FloatBuffer?,
                  activation: ModelConfiguration.Activation, down: QuantizedMatrix,
                  into out: UnsafeMutablePointer<Float>, accumulate: Bool, scratch s: Int8Scratch) {
    let width = down.columns
    precondition(gateUp.rows == 2 * width, "gate/up rows are twice the down projection's input")
    var first = 0
    while first < rows {
        let count = min(Int8Scratch.tileRows, rows - first)
        s.quantize(input + first * gateUp.columns, rows: count, for: gateUp)
        s.multiply(rows: count, by: gateUp)
        // The gate/up GEMM has read its activations: the down projection's replace them, block by block.
        let blockRows = Int8Scratch.blockRows
        s.pool.parallelFor((count + blockRows - 1) / blockRows) { b in
            let gated = s.gated.pointer + b * 2 * width, activated = s.activated.pointer + b * width
            for r in b * blockRows..<min(count, (b + 1) * blockRows) {
                wn_dequantize_rows(s.products + r * gateUp.rows, 1, Int32(gateUp.rows), s.rowScales.pointer + r,
                                   gateUp.scales.pointer, gated, Int32(gateUp.rows), 0)
                if let bias = gateUpBias { addBias(bias.pointer, to: gated, rows: 1, columns: 2 * width) }
                gatedActivationRow(activation, gateUp: gated, width: width, into: activated)
                s.quantize(activated, rows: 1, into: r, for: down, work: s.rotated.pointer + b * s.maxInput)
            }
        }
        s.multiply(rows: count, by: down)
        s.dequantize(rows: count, of: down, into: out + first * down.rows, accumulate: accumulate)
        first += count
    }
}

extension Int8Scratch {
    /// Quantizes `rows` (<= tileRows) input rows of `q.columns` floats (rotated first when `q` is)
    /// into the activations and their row scales, in blocks spread over the workers.
    func quantize(_ input: UnsafePointer<Float>, rows: Int, for q: QuantizedMatrix) {
        pool.parallelFor((rows + Self.blockRows - 1) / Self.blockRows) { b in
            let r = b * Self.blockRows
            self.quantize(input + r * q.columns, rows: min(Self.blockRows, rows - r), into: r, for: q,
                          work: self.rotated.pointer + b * self.maxInput)
        }
    }

    /// Quantizes `rows` input rows into activation rows `row...` (`work`: `q.columns` floats for the
    /// rotation), on the calling thread.
    @inline(__always)
    func quantize(_ input: UnsafePointer<Float>, rows: Int, into row: Int, for q: QuantizedMatrix,
                  work: UnsafeMutablePointer<Float>) {
        let k = q.columns
        if let rotation = q.rotation {
            wn_quantize_rows_u8_rotated(input, Int32(rows), Int32(k), Int32(k), levels, rotation.signs.pointer,
                                        Int32(rotation.block), work, activations + row * k, rowScales.pointer + row)
        } else {
            wn_quantize_rows_u8(input, Int32(rows), Int32(k), Int32(k), levels, activations + row * k, rowScales.pointer + row)
        }
    }

    /// products[rows x q.rows] = activations · q.valuesᵀ with the zero point removed (oneDNN).
    func multiply(rows: Int, by q: QuantizedMatrix) {
        let k = q.columns, n = q.rows
        let status = gemm(CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "T")), CChar(UInt8(ascii: "R")),
                          Int64(rows), Int64(n), Int64(k), 1, activations, Int64(k), 0,
                          q.values, Int64(k), 0, 0, products, Int64(n), q.offsets)
        // Only invalid arguments make oneDNN fail, and the shapes here are the model's own.
        precondition(status == 0, "dnnl_gemm_u8s8s32 failed with status \(status) on \(rows)x\(n)x\(k)")
    }

    /// The products back to float32 (row scale x column scale), into or onto `out` (`q.rows` wide).
    func dequantize(rows: Int, of q: QuantizedMatrix, into out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let n = q.rows
        pool.parallelFor((rows + Self.blockRows - 1) / Self.blockRows) { b in
            let r = b * Self.blockRows, m = min(Self.blockRows, rows - r)
            wn_dequantize_rows(self.products + r * n, Int32(m), Int32(n), self.rowScales.pointer + r, q.scales.pointer,
                               out + r * n, Int32(n), accumulate ? 1 : 0)
        }
    }
}
