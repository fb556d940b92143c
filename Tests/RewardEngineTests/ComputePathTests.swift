import CKernels
import Foundation
import Testing
@testable import RewardEngine

/// The CPU facts, the BLAS core and every element-wise kernel path this machine can run.
///
/// Kernel paths are a process-wide switch (WINNOW_KERNELS or `KernelPath.select`), so this suite
/// is serialised; other suites running meanwhile may see a lower path, which computes the same
/// function (that is what these tests check).
@Suite(.serialized) struct ComputePathTests {
    /// A generic OpenBLAS core on a CPU with AVX2 made Winnow 5x slower (BLASCore's comment):
    /// fail loudly wherever that happens again, unless the user pinned the core themselves.
    @Test func blasCoreUsesTheCPUsVectorUnits() throws {
        _ = ComputePool(threads: 1)
        let cpu = CPUInfo.current
        print("compute: \(ComputeEnvironment.current(threads: 1).lines.joined(separator: " | "))")
        if case .user = BLASCore.choice { return }
        if case .fixed = BLASCore.choice { return }
        guard cpu.has("avx2", "fma") else { return }
        #expect(BLASCore.level(ofCore: BLASCore.name) >= 2,
                "OpenBLAS runs its generic \(BLASCore.name) kernels on \(cpu.summary)")
        if cpu.has("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd") {
            #expect(BLASCore.level(ofCore: BLASCore.name) >= 3, "AVX-512 CPU on the \(BLASCore.name) core")
        }
    }

    @Test func coreChoiceFollowsFeatures() {
        #expect(BLASCore.level(ofCore: "Prescott") == 0)
        #expect(BLASCore.level(ofCore: "HASWELL") == 2)
        #expect(BLASCore.level(ofCore: "Cooperlake") > BLASCore.level(ofCore: "SkylakeX"))
    }

    /// The supported path follows cpuid, and a path above it cannot be forced.
    @Test func supportedPathMatchesFeatures() {
        let cpu = CPUInfo.current
        let expected: KernelPath = cpu.has("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma") ? .avx512
            : cpu.has("avx2", "fma") ? .avx2 : .scalar
        #expect(KernelPath.supported == expected)
        let before = KernelPath.current
        defer { KernelPath.select(before) }
        #expect(KernelPath.select(.avx512).rawValue <= KernelPath.supported.rawValue)
        #expect(KernelPath.select(.scalar) == .scalar)
    }

    /// Every kernel, on every path this CPU runs, against the scalar path: lengths cover empty,
    /// short and ragged tails of 8 and 16 lanes.
    @Test func everyPathComputesTheScalarResults() {
        let before = KernelPath.current
        defer { KernelPath.select(before) }
        let paths = KernelPath.allCases.filter { $0.rawValue <= KernelPath.supported.rawValue }
        var generator = SplitMix(seed: 7)
        for n in [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257] {
            let x = (0..<max(n, 1) * 2).map { _ in Float(generator.uniform() * 8 - 4) }
            let w = (0..<max(n, 1)).map { _ in Float(generator.uniform() * 2) }
            let bf16 = (0..<n).map { _ in UInt16(truncatingIfNeeded: generator.next() >> 48) & 0x7F7F }
            var results: [KernelPath: [[Float]]] = [:]
            for path in paths {
                #expect(KernelPath.select(path) == path)
                results[path] = KernelOutputs(x: x, w: w, bf16: bf16, n: n).all
            }
            let reference = results[.scalar]!
            for path in paths where path != .scalar {
                for (kernel, (got, want)) in zip(KernelOutputs.names, zip(results[path]!, reference)) {
                    #expect(got.count == want.count)
                    // The int8 kernels promise identical bytes and floats on every path.
                    let exact = kernel.contains("quantize")
                    for (a, b) in zip(got, want) {
                        #expect(exact ? a == b : abs(a - b) <= 2e-6 * max(1, abs(b)) || (a.isNaN && b.isNaN),
                                "\(kernel) n=\(n) on \(path): \(a) vs scalar \(b)")
                    }
                }
            }
        }
    }

    /// Whole forward passes under each path keep transformers parity and agree with each other.
    @Test(arguments: ["qwen3-tiny", "gemma2-tiny"])
    func parityOnEveryPath(_ name: String) throws {
        let before = KernelPath.current
        defer { KernelPath.select(before) }
        let fixture = try ParityFixture(name)
        let ids = fixture.sequences.map(\.input_ids)
        var scalarScores: [Float] = []
        for path in KernelPath.allCases where path.rawValue <= KernelPath.supported.rawValue {
            KernelPath.select(path)
            let model = try RewardModel(path: fixture.directory.path, options: .init(threads: 2))
            let scores = try model.score(ids)
            for (score, sequence) in zip(scores, fixture.sequences) {
                #expect(ParityFixture.relativeError(score, sequence.score) <= 1e-3, "\(name) on \(path)")
            }
            if path == .scalar { scalarScores = scores }
            for (a, b) in zip(scores, scalarScores) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(name) \(path) vs scalar") }
        }
    }
}

/// The outputs of every kernel for one input, on whichever path is active.
private struct KernelOutputs {
    static let names = ["softmax", "softmax+softcap", "swiglu", "geglu", "rms_norm", "rope", "bf16_to_f32", "dot",
                        "quantize_u8 (VNNI)", "quantize_u8 (7-bit)", "quantize_u8 (ties)", "dequantize", "dequantize+accumulate"]
    let all: [[Float]]

    init(x: [Float], w: [Float], bf16: [UInt16], n: Int) {
        let width = n + 2
        var softmax = Array(x.prefix(width)) + [Float](repeating: 0, count: max(0, width - x.count))
        softmax.withUnsafeMutableBufferPointer { wn_softmax_row($0.baseAddress!, 1, Int32(n + 1), Int32(width), 0) }
        var capped = Array(x.prefix(width)) + [Float](repeating: 0, count: max(0, width - x.count))
        capped.withUnsafeMutableBufferPointer { wn_softmax_row($0.baseAddress!, 0, Int32(min(n, width)), Int32(width), 3) }
        var swiglu = [Float](repeating: 0, count: n), geglu = [Float](repeating: 0, count: n)
        wn_swiglu_row(x, Int32(n), &swiglu)
        wn_geglu_row(x, Int32(n), &geglu)
        var norm = [Float](repeating: 0, count: n)
        if n > 0 { wn_rms_norm(x, w, Int32(n), 1e-6, &norm) }
        let headDim = (n / 2) * 2, heads = 2
        var rope = Array(x.prefix(max(0, headDim * heads)))
        if headDim > 0 {
            let angles = (0..<headDim / 2).map { Float($0) * 0.37 }
            let c = angles.map { cosf($0) }, s = angles.map { sinf($0) }
            rope.withUnsafeMutableBufferPointer { wn_rope($0.baseAddress!, Int32(heads), Int32(headDim), c, s) }
        }
        var widened = [Float](repeating: 0, count: n)
        bf16.withUnsafeBufferPointer { src in widened.withUnsafeMutableBufferPointer { wn_bf16_to_f32(src.baseAddress, $0.baseAddress, n) } }
        let dot = [wn_dot(x, w, Int32(n))]
        // Two rows of n activations (the second one row further on, so the stride is exercised),
        // quantized with both activation widths: bytes and row scales, as floats.
        func quantized(_ rows: [Float], count: Int, stride: Int, qmax: Int32) -> [Float] {
            var bytes = [UInt8](repeating: 0, count: 2 * count), scales = [Float](repeating: 0, count: 2)
            wn_quantize_rows_u8(rows, 2, Int32(count), Int32(stride), qmax, &bytes, &scales)
            return bytes.map(Float.init) + scales
        }
        let vnni = quantized(x, count: n, stride: max(n, 1), qmax: 127)
        let sevenBit = quantized(x, count: n, stride: max(n, 1), qmax: 63)
        // Halves after scaling (max|x| = qmax makes the factor 1): every path must round them to even.
        let halves: [Float] = (0..<2 * max(n, 1)).map { i in i == 0 ? 127 : Float(i % 9) - 4.5 }
        let ties = quantized(halves, count: n, stride: max(n, 1), qmax: 127)
        let products = (0..<2 * n).map { Int32(x[$0 % x.count] * 1e6) }
        let columnScales = (0..<n).map { w[$0] * 1e-3 }
        let rowScales: [Float] = [0.0123, 3.5]
        var dequantized = [Float](repeating: 0, count: 2 * n)
        var accumulated = (0..<2 * n).map { x[$0 % x.count] }
        wn_dequantize_rows(products, 2, Int32(n), rowScales, columnScales, &dequantized, Int32(n), 0)
        wn_dequantize_rows(products, 2, Int32(n), rowScales, columnScales, &accumulated, Int32(n), 1)
        all = [softmax, capped, swiglu, geglu, norm, rope, widened, dot, vnni, sevenBit, ties, dequantized, accumulated]
    }
}

/// The engine's deterministic generator, so failures reproduce.
typealias SplitMix = SplitMix64

extension SplitMix64 {
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
