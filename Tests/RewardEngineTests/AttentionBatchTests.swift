import Foundation
import Testing
@testable import RewardEngine

/// Batched causal attention: how a pass's segments are split into batches, and that a batch of
/// candidates sharing a cached prompt computes what attention over each candidate's whole
/// sequence computes (a plain Double reference), with sliding windows and logit soft-capping.
struct AttentionBatchTests {
    static func segment(_ start: Int, _ length: Int, context: PrefixCache.Slot? = nil) -> ForwardPass.Segment {
        ForwardPass.Segment(start: start, length: length, context: context, stores: nil)
    }

    /// Every position of every non-empty segment is in exactly one block, in order, each block at
    /// most `blockRows` long; a batch holds one context's segments only and fits the scratch.
    private static func checkCoverage(_ batches: [AttentionBatch], _ segments: [ForwardPass.Segment], groupSize: Int,
                                      capacity: Int) {
        var next = [Int](repeating: 0, count: segments.count)
        let blockRows = CausalAttention.blockRows(groupSize: groupSize)
        for batch in batches {
            #expect(!batch.blocks.isEmpty)
            #expect(batch.rows == groupSize * batch.blocks.reduce(0) { $0 + $1.count })
            #expect(batch.rows <= AttentionScratch.rowLimit(groupSize: groupSize))
            #expect(batch.rows * batch.width <= CausalAttention.unitRows(groupSize: groupSize) * capacity)
            for block in batch.blocks {
                let s = segments[block.segment]
                #expect(s.context == batch.context)
                #expect(block.first == next[block.segment], "blocks of a segment follow each other")
                #expect(block.count >= 1 && block.count <= blockRows)
                #expect(batch.width >= (s.context?.count ?? 0) + block.first + block.count)
                next[block.segment] += block.count
            }
        }
        for (i, s) in segments.enumerated() { #expect(next[i] == s.length, "segment \(i) covered") }
    }

    @Test func candidatesOfOnePromptShareABatch() {
        let a = PrefixCache.Slot(offset: 0, count: 40), b = PrefixCache.Slot(offset: 40, count: 7)
        let segments = [Self.segment(0, 40), Self.segment(40, 30, context: a), Self.segment(70, 5, context: b),
                        Self.segment(75, 64, context: a), Self.segment(139, 0, context: a), Self.segment(139, 9),
                        Self.segment(148, 20, context: a)]
        let batches = CausalAttention.batches(segments, groupSize: 2, capacity: 4096)
        Self.checkCoverage(batches, segments, groupSize: 2, capacity: 4096)
        // The prompt alone, a's three candidates together, b's one, the lone sequence.
        #expect(batches.count == 4)
        #expect(Set(batches[1].blocks.map(\.segment)) == [1, 3, 6])
        #expect(batches[1].width == 40 + 64)
        #expect(batches[1].rows == 2 * (30 + 64 + 20))
    }

    /// The last layer: single-row blocks at the scored rows, still batched by context.
    @Test func onlyTheScoredRows() {
        let a = PrefixCache.Slot(offset: 0, count: 40)
        let segments = [Self.segment(0, 40), Self.segment(40, 30, context: a), Self.segment(70, 0, context: a),
                        Self.segment(70, 64, context: a), Self.segment(134, 9)]
        let rows = [39, 69, 100, 133, 142]
        let batches = CausalAttention.batches(segments, groupSize: 4, capacity: 4096, onlyRows: rows)
        #expect(batches.count == 3)
        let blocks = batches.flatMap(\.blocks)
        #expect(blocks.map { segments[$0.segment].start + $0.first } == rows)
        #expect(blocks.allSatisfy { $0.count == 1 })
        #expect(batches[1].rows == 4 * 3 && Set(batches[1].blocks.map(\.segment)) == [1, 3])
    }

    @Test func largeGroupsAreCutToTheScratch() {
        let slot = PrefixCache.Slot(offset: 0, count: 300)
        for (groupSize, capacity) in [(2, 4096), (4, 4096), (1, 512), (16, 400), (2, 400)] {
            let segments = (0..<40).map { Self.segment($0 * 97, 97, context: slot) }
            let batches = CausalAttention.batches(segments, groupSize: groupSize, capacity: capacity)
            Self.checkCoverage(batches, segments, groupSize: groupSize, capacity: capacity)
            #expect(batches.count > 1)
        }
    }
}

/// Batches against whole-sequence attention on every kernel path. In ComputePathTests' serialised
/// suite: it switches the process-wide path.
extension ComputePathTests {
    /// Candidates sharing a context (or sequences without one), run as batches (several of them at
    /// a small capacity), against attention of each whole sequence computed directly in Double, on
    /// every kernel path this CPU runs: OpenBLAS products on the scalar path, packed panels on the
    /// vector paths. Head dimensions 8, 40 and 72 leave partial panels of values; the lengths cross
    /// 32-key panels.
    @Test(arguments: [(2, 0, Float(0), 8, 23), (4, 0, Float(0), 8, 23), (2, 5, Float(0), 8, 23),
                      (1, 0, Float(2.5), 8, 23), (2, 9, Float(1.5), 8, 23), (2, 0, Float(0), 40, 23),
                      (1, 3, Float(0), 72, 0), (2, 0, Float(0), 40, 0)])
    func batchesMatchWholeSequenceAttention(groupSize: Int, window: Int, softcap: Float, d: Int, contextLength: Int) {
        let before = KernelPath.current
        defer { KernelPath.select(before) }
        for path in KernelPath.allCases where path.rawValue <= KernelPath.supported.rawValue {
            #expect(KernelPath.select(path) == path)
            checkBatches(groupSize: groupSize, window: window, softcap: softcap, d: d, contextLength: contextLength,
                         path: path)
        }
    }

    private func checkBatches(groupSize: Int, window: Int, softcap: Float, d: Int, contextLength: Int, path: KernelPath) {
        var generator = SplitMix(seed: UInt64(groupSize * 100 + window + d))
        let kvHeads = 2, heads = kvHeads * groupSize
        let qkvWidth = (heads + 2 * kvHeads) * d, kvWidth = kvHeads * d
        let lengths = [1, 17, 40, 3, 33, 40, 38]
        let total = lengths.reduce(0, +)
        let scale: Float = 0.35
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float(generator.uniform() * 2 - 1) } }
        let cached = random(max(1, contextLength) * 2 * kvWidth)   // [token][k | v]
        var qkv = random(total * qkvWidth)
        var output = [Float](repeating: .nan, count: total * heads * d)
        var segments: [ForwardPass.Segment] = [], start = 0
        let slot = contextLength > 0 ? PrefixCache.Slot(offset: 0, count: contextLength) : nil
        for length in lengths { segments.append(AttentionBatchTests.segment(start, length, context: slot)); start += length }
        let capacity = contextLength + 40
        // Every row in batches, then (overwriting) just each segment's last row, as the last layer does.
        let lastRows = segments.map { $0.start + $0.length - 1 }
        let batches = CausalAttention.batches(segments, groupSize: groupSize, capacity: capacity)
            + CausalAttention.batches(segments, groupSize: groupSize, capacity: capacity, onlyRows: lastRows)
        let scratch = AttentionScratch(capacity: capacity, groupSize: groupSize, headDimension: d)
        qkv.withUnsafeMutableBufferPointer { qkv in
            output.withUnsafeMutableBufferPointer { output in
                cached.withUnsafeBufferPointer { cached in
                    let operands = segments.map { s in
                        let rows = qkv.baseAddress! + s.start * qkvWidth
                        return AttentionSegment(queries: rows, queryStride: qkvWidth,
                                                own: KeyValueRows(keys: rows + heads * d, values: rows + (heads + kvHeads) * d,
                                                                  rowStride: qkvWidth, count: s.length),
                                                output: output.baseAddress! + s.start * heads * d, outputStride: heads * d)
                    }
                    let context = contextLength == 0 ? nil
                        : KeyValueRows(keys: cached.baseAddress!, values: cached.baseAddress! + kvWidth,
                                       rowStride: 2 * kvWidth, count: contextLength)
                    operands.withUnsafeBufferPointer { operands in
                        for batch in batches {
                            for kv in 0..<kvHeads {
                                CausalAttention.run(batch, segments: operands, context: context, keyValueHead: kv,
                                                    groupSize: groupSize, headDimension: d, scale: scale, softcap: softcap,
                                                    window: window > 0 ? window : nil, scratch: scratch)
                            }
                        }
                    }
                }
            }
        }
        // Reference: each candidate's full key/value sequence is the context then its own tokens.
        var worst = 0.0
        for s in segments {
            func key(_ t: Int, _ kv: Int, _ i: Int) -> Double {
                t < contextLength ? Double(cached[t * 2 * kvWidth + kv * d + i])
                    : Double(qkv[(s.start + t - contextLength) * qkvWidth + heads * d + kv * d + i])
            }
            func value(_ t: Int, _ kv: Int, _ i: Int) -> Double {
                t < contextLength ? Double(cached[t * 2 * kvWidth + kvWidth + kv * d + i])
                    : Double(qkv[(s.start + t - contextLength) * qkvWidth + (heads + kvHeads) * d + kv * d + i])
            }
            for p in 0..<s.length {
                let position = contextLength + p
                for h in 0..<heads {
                    let kv = h / groupSize
                    let begin = window > 0 ? max(0, position - window + 1) : 0
                    var logits = (begin...position).map { t in
                        (0..<d).reduce(0.0) { $0 + Double(qkv[(s.start + p) * qkvWidth + h * d + $1]) * key(t, kv, $1) } * Double(scale)
                    }
                    if softcap > 0 { logits = logits.map { Double(softcap) * tanh($0 / Double(softcap)) } }
                    let top = logits.max()!
                    let weights = logits.map { exp($0 - top) }, sum = weights.reduce(0, +)
                    for i in 0..<d {
                        let want = zip(begin...position, weights).reduce(0.0) { $0 + $1.1 / sum * value($1.0, kv, i) }
                        let got = Double(output[(s.start + p) * heads * d + h * d + i])
                        worst = got.isFinite ? max(worst, abs(got - want)) : .infinity  // NaN: never written
                    }
                }
            }
        }
        #expect(worst < 1e-5, "largest difference \(worst) on \(path)")
        #expect(batches.count > 1, "the small capacity splits the group, or there are several sequences")
    }
}
