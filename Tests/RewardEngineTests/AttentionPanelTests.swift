import CKernels
import Testing
@testable import RewardEngine

/// The packed attention products (attention_panels.c) on every kernel path this CPU runs, against
/// Double sums: rows around the register tiles (12 on AVX-512, 6 on AVX2, 4 scalar), head
/// dimensions that leave partial panels, key counts around the 32-key panels, causal ends or none,
/// and accumulation. In ComputePathTests' serialised suite: it switches the process-wide path.
extension ComputePathTests {
    @Test func productsMatchDoubleSumsOnEveryPath() {
        let before = KernelPath.current
        defer { KernelPath.select(before) }
        var generator = SplitMix(seed: 11)
        for path in KernelPath.allCases where path.rawValue <= KernelPath.supported.rawValue {
            #expect(KernelPath.select(path) == path)
            for (rows, d, keys) in [(1, 8, 1), (5, 16, 31), (12, 40, 32), (13, 128, 33), (30, 72, 70), (25, 128, 200)] {
                for causal in [false, true] {
                    checkPanels(rows: rows, d: d, keys: keys, causal: causal, path: path, generator: &generator)
                }
            }
        }
    }

    private func checkPanels(rows: Int, d: Int, keys: Int, causal: Bool, path: KernelPath, generator: inout SplitMix) {
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float(generator.uniform() * 2 - 1) } }
        let qStride = d + 3, kvStride = 2 * d + 5, ld = keys + 2
        let q = random(rows * qStride), kv = random(keys * kvStride)
        // Ends: each row sees 1...keys keys (some all, some one), or every key.
        let ends: [Int32] = (0..<rows).map { r in causal ? Int32(1 + (r * 7 + 3) % keys) : Int32(keys) }
        var keyPanels = [Float](repeating: .nan, count: wn_key_panels_floats(Int32(keys), Int32(d)))
        var valuePanels = [Float](repeating: .nan, count: wn_value_panels_floats(Int32(keys), Int32(d)))
        kv.withUnsafeBufferPointer { kv in
            wn_pack_key_panels(kv.baseAddress!, Int32(kvStride), Int32(keys), Int32(d), &keyPanels)
            wn_pack_value_panels(kv.baseAddress! + d, Int32(kvStride), Int32(keys), Int32(d), &valuePanels)
        }
        let scale: Float = 0.3
        var scores = [Float](repeating: .nan, count: rows * ld)
        ends.withUnsafeBufferPointer { ends in
            wn_attention_scores(q, Int32(qStride), Int32(rows), Int32(d), keyPanels, Int32(keys),
                                causal ? ends.baseAddress : nil, scale, &scores, Int32(ld))
        }
        var worst = 0.0
        for r in 0..<rows {
            for c in 0..<Int(ends[r]) {
                let want = (0..<d).reduce(0.0) { $0 + Double(q[r * qStride + $1]) * Double(kv[c * kvStride + $1]) } * Double(scale)
                let got = Double(scores[r * ld + c])
                worst = got.isFinite ? max(worst, abs(got - want)) : .infinity
            }
            #expect(scores[r * ld + keys].isNaN, "nothing written past the keys")
        }
        // Probabilities: zero past each row's end, as the softmax leaves them.
        let p = (0..<rows * ld).map { i in i % ld < Int(ends[i / ld]) ? Float(generator.uniform()) : 0 }
        let start = random(rows * d)
        for accumulate in [false, true] {
            var out = accumulate ? start : [Float](repeating: .nan, count: rows * d)
            ends.withUnsafeBufferPointer { ends in
                wn_attention_values(p, Int32(ld), Int32(rows), Int32(d), valuePanels, Int32(keys),
                                    causal ? ends.baseAddress : nil, &out, Int32(d), accumulate ? 1 : 0)
            }
            for r in 0..<rows {
                for x in 0..<d {
                    var want = (0..<keys).reduce(0.0) { $0 + Double(p[r * ld + $1]) * Double(kv[$1 * kvStride + d + x]) }
                    if accumulate { want += Double(start[r * d + x]) }
                    let got = Double(out[r * d + x])
                    worst = got.isFinite ? max(worst, abs(got - want)) : .infinity
                }
            }
        }
        #expect(worst < 1e-4, "rows \(rows) d \(d) keys \(keys) causal \(causal) on \(path): largest difference \(worst)")
    }
}
