import CKernels
import Foundation
import Testing
@testable import RewardEngine

/// The int8 mode's row kernels on every path this CPU runs: the rotation against a plain product
/// with the Walsh-Hadamard matrix written out, the quantization against the scalar path and a
/// plain reference. In ComputePathTests' serialised suite: it switches the process-wide path.
extension ComputePathTests {
    /// H[i][j] = (-1)^popcount(i & j), the unnormalised Walsh-Hadamard matrix in the natural
    /// (Sylvester) order that butterflies at distance 1, 2, 4, ... produce.
    static func hadamardReference(_ x: [Float], signs: [Float], block: Int) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        for start in stride(from: 0, to: x.count, by: block) {
            for i in 0..<block {
                var sum = 0.0
                for j in 0..<block {
                    let sign: Double = (i & j).nonzeroBitCount % 2 == 0 ? 1 : -1
                    sum += sign * Double(x[start + j]) * Double(signs[start + j])
                }
                out[start + i] = sum
            }
        }
        return out
    }

    @Test func hadamardRowMatchesTheMatrixOnEveryPath() {
        let before = KernelPath.current
        defer { KernelPath.select(before) }
        let paths = KernelPath.allCases.filter { $0.rawValue <= KernelPath.supported.rawValue }
        var generator = SplitMix(seed: 13)
        for (cols, block) in [(16, 16), (48, 16), (64, 32), (256, 256), (768, 256), (1024, 64)] {
            let x = (0..<cols).map { _ in Float(generator.uniform() * 8 - 4) }
            let signs = (0..<cols).map { _ in generator.next() & 1 == 0 ? Float(1) : -1 }
            let want = Self.hadamardReference(x, signs: signs, block: block)
            var scalar: [Float] = []
            for path in paths {
                #expect(KernelPath.select(path) == path)
                var got = [Float](repeating: .nan, count: cols)
                wn_hadamard_row(x, signs, Int32(cols), Int32(block), &got)
                // Each output sums `block` terms of size <= 4: float32 rounding stays far below this.
                for (g, w) in zip(got, want) {
                    #expect(abs(Double(g) - w) <= 1e-5 * Double(block) * 4, "cols \(cols) block \(block) on \(path): \(g) vs \(w)")
                }
                // In place gives the same result.
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer { wn_hadamard_row($0.baseAddress!, signs, Int32(cols), Int32(block), $0.baseAddress!) }
                #expect(inPlace == got, "in place differs: cols \(cols) on \(path)")
                // Every path runs the same butterflies in the same order: the same bits.
                if path == .scalar { scalar = got }
                #expect(got == scalar, "cols \(cols) block \(block): \(path) differs from scalar")
            }
        }
    }

    /// Every path writes the scalar path's bytes and scale, which are round(x · qmax / max|x|)
    /// clamped and offset by the zero point; widths cover tails of 8 and 16 lanes and a zero row.
    @Test func quantizationWritesTheSameBytesOnEveryPath() {
        let before = KernelPath.current
        defer { KernelPath.select(before) }
        var generator = SplitMix(seed: 19)
        for cols in [1, 5, 8, 15, 16, 17, 33, 100, 1024, 3079] {
            var row = (0..<cols).map { _ in Float(generator.uniform() * 14 - 7) }
            if cols > 3 { row[2] = 0.5; row[3] = -2.5 }  // exact halves: ties round to even
            for qmax: Int32 in [127, 63] {
                var scalarBytes: [UInt8] = [], scalarScale: Float = 0
                for path in KernelPath.allCases where path.rawValue <= KernelPath.supported.rawValue {
                    KernelPath.select(path)
                    var bytes = [UInt8](repeating: 0, count: cols)
                    let scale = wn_quantize_row_u8(row, Int32(cols), qmax, 1, &bytes)
                    let maxabs = row.map { abs($0) }.max()!
                    #expect(scale == maxabs / Float(qmax), "cols \(cols) on \(path)")
                    let inverse = Float(qmax) / maxabs
                    let want = row.map { UInt8(Int32(($0 * inverse).rounded(.toNearestOrEven)).clamped(-qmax, qmax) + qmax + 1) }
                    #expect(bytes == want, "cols \(cols) qmax \(qmax) on \(path)")
                    if path == .scalar { scalarBytes = bytes; scalarScale = scale }
                    #expect(bytes == scalarBytes && scale == scalarScale, "cols \(cols) on \(path) differs from scalar")
                    var zeros = [UInt8](repeating: 0, count: cols)
                    #expect(wn_quantize_row_u8([Float](repeating: 0, count: cols), Int32(cols), qmax, 1, &zeros) == 0)
                    #expect(zeros.allSatisfy { Int32($0) == qmax + 1 }, "zero row on \(path)")
                }
            }
        }
    }

    /// The fused rotate-and-quantize pass equals rotating (orthogonally, HadamardRotation.rotate)
    /// and then quantizing: the same integers up to a rare tie at a rounding boundary, and the
    /// same scale up to float rounding.
    @Test func rotatedQuantizationIsQuantizationOfTheRotatedRow() throws {
        let before = KernelPath.current
        defer { KernelPath.select(before) }
        var generator = SplitMix(seed: 17)
        let rows = 5, cols = 3 * 256
        let rotation = try #require(HadamardRotation(columns: cols))
        #expect(rotation.block == 256)
        // Rows with a few large entries, as the SwiGLU product has.
        var x = (0..<rows * cols).map { _ in Float(generator.uniform() * 2 - 1) }
        for r in 0..<rows { x[r * cols + (r * 37) % cols] = 40 }
        var rotated = x
        rotated.withUnsafeMutableBufferPointer { rotation.rotate($0.baseAddress!, rows: rows) }
        for path in KernelPath.allCases where path.rawValue <= KernelPath.supported.rawValue {
            KernelPath.select(path)
            for qmax: Int32 in [127, 63] {
                var want = [UInt8](repeating: 0, count: rows * cols), wantScales = [Float](repeating: 0, count: rows)
                wn_quantize_rows_u8(rotated, Int32(rows), Int32(cols), Int32(cols), qmax, &want, &wantScales)
                var got = [UInt8](repeating: 0, count: rows * cols), scales = [Float](repeating: 0, count: rows)
                var work = [Float](repeating: 0, count: cols)
                wn_quantize_rows_u8_rotated(x, Int32(rows), Int32(cols), Int32(cols), qmax, rotation.signs.pointer,
                                            Int32(rotation.block), &work, &got, &scales)
                for r in 0..<rows {
                    #expect(abs(scales[r] - wantScales[r]) <= 1e-5 * wantScales[r], "row \(r) on \(path)")
                }
                let differing = zip(got, want).filter { $0 != $1 }
                #expect(differing.allSatisfy { abs(Int($0) - Int($1)) == 1 }, "on \(path): \(differing.prefix(4))")
                #expect(differing.count <= rows * cols / 500, "\(differing.count) values differ on \(path)")
            }
        }
    }
}

private extension Int32 {
    func clamped(_ low: Int32, _ high: Int32) -> Int32 { Swift.min(Swift.max(self, low), high) }
}
