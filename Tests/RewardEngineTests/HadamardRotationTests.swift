import CKernels
import Foundation
import Testing
@testable import RewardEngine

/// The rotation itself: which widths get one, that it is orthogonal, and that the int8 product
/// through it is the unrotated product with less error where rows have large entries.
@Suite struct HadamardRotationTests {
    @Test func blockIsTheLargestPowerOfTwoDividingTheWidthUpTo256() {
        #expect(HadamardRotation(columns: 3072)?.block == 256)
        #expect(HadamardRotation(columns: 1024)?.block == 256)
        #expect(HadamardRotation(columns: 96)?.block == 32)
        #expect(HadamardRotation(columns: 16)?.block == 16)
        // Widths whose power-of-two part is under 16 keep their plain quantization.
        #expect(HadamardRotation(columns: 24) == nil)
        #expect(HadamardRotation(columns: 1000) == nil)
        #expect(HadamardRotation(columns: 0) == nil)
    }

    @Test func signsAreFixedAndMixed() throws {
        let a = try #require(HadamardRotation(columns: 512)), b = try #require(HadamardRotation(columns: 512))
        let signs = (0..<512).map { a.signs[$0] }
        #expect(signs == (0..<512).map { b.signs[$0] })
        #expect(signs.allSatisfy { $0 == 1 || $0 == -1 })
        let negative = signs.filter { $0 < 0 }.count
        #expect(negative > 200 && negative < 312)
    }

    /// R is orthogonal: lengths and dot products survive, so (xR)(wR)ᵀ = xwᵀ.
    @Test func rotationKeepsDotProducts() throws {
        var generator = SplitMix(seed: 5)
        let cols = 768
        let rotation = try #require(HadamardRotation(columns: cols))
        let x = (0..<cols).map { _ in Float(generator.uniform() * 2 - 1) }
        let w = (0..<cols).map { _ in Float(generator.uniform() * 2 - 1) }
        var xr = x, wr = w
        xr.withUnsafeMutableBufferPointer { rotation.rotate($0.baseAddress!, rows: 1) }
        wr.withUnsafeMutableBufferPointer { rotation.rotate($0.baseAddress!, rows: 1) }
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        #expect(abs(dot(xr, wr) - dot(x, w)) <= 1e-4 * max(1, abs(dot(x, w))))
        #expect(abs(dot(xr, xr) - dot(x, x)) <= 1e-4 * dot(x, x))
        #expect(xr != x)
    }

    /// int8Linear with a rotated weight computes x·Wᵀ, and on rows with a few large entries (the
    /// case the rotation is for) with a smaller error than the plain quantization.
    @Test func rotatedInt8ProductIsCloserOnRowsWithLargeEntries() throws {
        let choice = ComputeChoice.resolve(.int8, threads: 2)
        guard choice.running == .int8 else { Issue.record("int8 unavailable: \(choice)"); return }
        var generator = SplitMix(seed: 23)
        let rows = 40, k = 512, n = 64
        var input = (0..<rows * k).map { _ in Float(generator.uniform() * 2 - 1) }
        for r in 0..<rows { for j in 0..<3 { input[r * k + (r * 131 + j * 17) % k] = Float(30 + 10 * j) } }
        let weight = (0..<n * k).map { _ in Float(generator.uniform() * 2 - 1) }
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("w.safetensors")
        try SafeTensorsWriter.write([.init(name: "w", dtype: "F32", shape: [n, k],
                                           bytes: weight.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) })],
                                    to: file)
        let view = try #require(try SafeTensorsFile(url: file).tensors["w"])
        let zeroPoint = choice.activationLevels + 1
        let plain = QuantizedMatrix([view], rows: n, columns: k, zeroPoint: zeroPoint, rotated: false)
        let rotated = QuantizedMatrix([view], rows: n, columns: k, zeroPoint: zeroPoint, rotated: true)
        #expect(plain.rotation == nil)
        #expect(rotated.rotation?.block == 256)
        let scratch = Int8Scratch(maxInput: k, maxOutput: n, intermediate: 0, choice: choice, pool: ComputePool(threads: 2))
        var plainOut = [Float](repeating: 0, count: rows * n), rotatedOut = plainOut
        int8Linear(input, rows: rows, weight: plain, into: &plainOut, accumulate: false, scratch: scratch)
        int8Linear(input, rows: rows, weight: rotated, into: &rotatedOut, accumulate: false, scratch: scratch)
        var plainError = 0.0, rotatedError = 0.0, norm = 0.0
        for r in 0..<rows {
            for j in 0..<n {
                var want = 0.0
                for c in 0..<k { want += Double(input[r * k + c]) * Double(weight[j * k + c]) }
                plainError += pow(Double(plainOut[r * n + j]) - want, 2)
                rotatedError += pow(Double(rotatedOut[r * n + j]) - want, 2)
                norm += want * want
            }
        }
        let plainRelative = (plainError / norm).squareRoot(), rotatedRelative = (rotatedError / norm).squareRoot()
        print("int8 relative error on rows with large entries: plain \(plainRelative), rotated \(rotatedRelative)")
        // Still the product (8-bit levels on both sides: about 1e-2 relative) ...
        #expect(rotatedRelative < 2e-2)
        // ... with the activations' step no longer set by three large entries.
        #expect(rotatedRelative < plainRelative / 2)
    }
}
