import CBLAS
import CKernels

/// Keys and values some queries attend to: rows of `[k | v]` laid out with `rowStride` floats
/// between tokens, `values` a fixed distance after `keys`.
struct KeyValueRows {
    var keys: UnsafePointer<Float>
    var values: UnsafePointer<Float>
    var rowStride: Int
    var count: Int
}

/// One segment's own operands inside the packed projection output: its queries, keys and values,
/// and where its attention output goes.
struct AttentionSegment {
    var queries: UnsafePointer<Float>
    var queryStride: Int
    var own: KeyValueRows
    var output: UnsafeMutablePointer<Float>
    var outputStride: Int
}

/// Query blocks that run as one batch for one key/value head: blocks of segments that continue
/// the same cached prefix (a best-of-N group's candidates), or the blocks of one segment without
/// a context. Each block is `count` query positions of one segment, for all `groupSize` query heads
/// of the key/value head.
struct AttentionBatch {
    struct Block {
        var segment: Int
        var first: Int
        var count: Int
    }

    /// The prefix every block attends to before its own tokens, or nil.
    var context: PrefixCache.Slot?
    var blocks: [Block] = []
    /// Rows of the gathered query matrix: `groupSize · Σ count`.
    var rows = 0
    /// Leading dimension of the score matrix: the context plus the longest own prefix any block sees.
    var width = 0
}

/// One worker's scratch for `CausalAttention`: a batch's gathered queries, its score matrix and
/// its outputs.
struct AttentionScratch {
    /// Most rows in one batch: large enough that the context GEMMs of a best-of-N group's
    /// candidates run at full speed (OpenBLAS packs the keys once per call; 128-row products ran
    /// at ~2/3 of its rate, 256 rows and more at ~95%), small enough that a batch's scores stay in
    /// the L2 cache. 256 measured best of 128/256/512/1024 on best-of-8 groups (BENCHMARKS.md).
    static func rowLimit(groupSize: Int) -> Int { max(256, CausalAttention.unitRows(groupSize: groupSize)) }

    let queries: FloatBuffer   // [rowLimit x headDim]
    let scores: FloatBuffer    // [unitRows x capacity]: one block at any width, or more at smaller widths
    let outputs: FloatBuffer   // [rowLimit x headDim]

    init(capacity: Int, groupSize: Int, headDimension: Int) {
        let rows = Self.rowLimit(groupSize: groupSize)
        queries = FloatBuffer(uninitializedCount: rows * headDimension)
        scores = FloatBuffer(uninitializedCount: CausalAttention.unitRows(groupSize: groupSize) * capacity)
        outputs = FloatBuffer(uninitializedCount: rows * headDimension)
    }

    /// Floats one scratch holds, for the memory plan.
    static func floats(capacity: Int, groupSize: Int, headDimension: Int) -> Int {
        2 * rowLimit(groupSize: groupSize) * headDimension + CausalAttention.unitRows(groupSize: groupSize) * capacity
    }
}

/// Causal grouped-query attention, batched:
///
///     scores = scale · Q_batch · [K_context ; K_own]ᵀ      (own keys causally masked)
///     out    = softmax(scores) · [V_context ; V_own]
///
/// The query heads sharing a key/value head are gathered head after head into one matrix, so a
/// block of positions is `groupSize · count` rows multiplied against keys and values packed once
/// rather than once per query head. Blocks are small enough (`blockRows`) that little of the
/// causal triangle's upper half is computed and discarded.
///
/// Blocks of candidates that continue the same cached prompt share one batch: the context part
/// of their scores is one GEMM of all their rows against the prompt's keys, and their context
/// values one more, instead of one small pair per candidate block that each packs the prompt's
/// keys and values again — in best-of-N the prompt is most of what every candidate attends to.
/// Each block's own keys and values (its candidate's tokens so far) are small GEMMs of their own.
///
/// Score columns are absolute key positions (context tokens are positions `0..<context`, own
/// tokens follow), so a sliding window of `w` keeps columns `pos - w + 1 ... pos` of the row
/// at position `pos`. With `softcap > 0` logits are capped to `softcap · tanh(logit / softcap)`.
enum CausalAttention {
    /// Query positions per block: a block's GEMMs then have about 128 rows
    /// (`groupSize · blockRows`), at least 32 positions per head.
    static func blockRows(groupSize: Int) -> Int {
        max(32, 128 / max(1, groupSize))
    }

    /// Rows of the largest block.
    static func unitRows(groupSize: Int) -> Int { max(1, groupSize) * blockRows(groupSize: groupSize) }

    /// Splits a pass's segments into batches: segments continuing the same prefix together, every
    /// other segment alone, each cut where the scratch (`AttentionScratch`) would overflow.
    /// `capacity` is the scratch's score capacity per row of a block (the workspace capacity);
    /// no segment with its context is longer. With `onlyRows` (ascending packed rows) only those
    /// rows' queries are computed: the last layer, where only the scored rows go on.
    static func batches(_ segments: [ForwardPass.Segment], groupSize: Int, capacity: Int,
                        onlyRows: [Int]? = nil) -> [AttentionBatch] {
        let blockRows = blockRows(groupSize: groupSize)
        let rowLimit = AttentionScratch.rowLimit(groupSize: groupSize)
        let scoreLimit = unitRows(groupSize: groupSize) * capacity
        // Segments by shared context, in order of first appearance; no context: alone.
        var groups: [(context: PrefixCache.Slot?, members: [Int])] = []
        var groupOf: [PrefixCache.Slot: Int] = [:]
        for (index, segment) in segments.enumerated() where segment.length > 0 {
            if let slot = segment.context {
                if let g = groupOf[slot] { groups[g].members.append(index); continue }
                groupOf[slot] = groups.count
            }
            groups.append((segment.context, [index]))
        }
        // Each segment's query blocks: runs of `blockRows` positions, or single rows of `onlyRows`
        // (segments are laid end to end in order, so one walk assigns the rows).
        var blocks = [[AttentionBatch.Block]](repeating: [], count: segments.count)
        if let onlyRows {
            var index = 0
            for row in onlyRows {
                while index < segments.count && segments[index].start + segments[index].length <= row { index += 1 }
                guard index < segments.count, row >= segments[index].start else { continue }
                blocks[index].append(.init(segment: index, first: row - segments[index].start, count: 1))
            }
        } else {
            for (index, segment) in segments.enumerated() {
                for first in stride(from: 0, to: segment.length, by: blockRows) {
                    blocks[index].append(.init(segment: index, first: first, count: min(blockRows, segment.length - first)))
                }
            }
        }
        var batches: [AttentionBatch] = []
        for group in groups {
            let contextLength = group.context?.count ?? 0
            let width = contextLength + group.members.map { segments[$0].length }.max()!
            precondition(width <= capacity, "a segment with its context exceeds the attention scratch")
            let rowsPerBatch = min(rowLimit, scoreLimit / width)
            var batch = AttentionBatch(context: group.context, width: width)
            for index in group.members {
                for block in blocks[index] {
                    if batch.rows + groupSize * block.count > rowsPerBatch && !batch.blocks.isEmpty {
                        batches.append(batch)
                        batch = AttentionBatch(context: group.context, width: width)
                    }
                    batch.blocks.append(block)
                    batch.rows += groupSize * block.count
                }
            }
            if !batch.blocks.isEmpty { batches.append(batch) }
        }
        return batches
    }

    /// Runs one batch for one key/value head. `segments[b.segment]` gives each block's operands;
    /// `context` holds the batch's cached keys/values (`batch.context.count` rows) or is nil.
    static func run(_ batch: AttentionBatch, segments: UnsafeBufferPointer<AttentionSegment>, context: KeyValueRows?,
                    keyValueHead: Int, groupSize: Int, headDimension d: Int,
                    scale: Float, softcap: Float = 0, window: Int? = nil, scratch: AttentionScratch) {
        let firstHead = keyValueHead * groupSize
        let contextLength = context?.count ?? 0
        let width = batch.width
        let gathered = scratch.queries.pointer, scores = scratch.scores.pointer, outputs = scratch.outputs.pointer
        precondition(batch.rows * d <= scratch.queries.count && batch.rows * width <= scratch.scores.count)

        // Gather: block after block, and inside a block row `j · count + r` is query head
        // `firstHead + j` at position `first + r`.
        var base = 0
        for block in batch.blocks {
            let s = segments[block.segment]
            for j in 0..<groupSize {
                let source = s.queries + block.first * s.queryStride + (firstHead + j) * d
                for r in 0..<block.count {
                    (gathered + (base + j * block.count + r) * d).update(from: source + r * s.queryStride, count: d)
                }
            }
            base += groupSize * block.count
        }
        // Every row against the shared context at once.
        if let context {
            gemmScores(gathered, d, context.keys + keyValueHead * d, context.rowStride,
                       rows: batch.rows, keys: contextLength, d: d, scale: scale, into: scores, ld: width)
        }
        // Each block against its own keys, then its rows' softmax. With a context every block's
        // score rows have the batch's width (the context GEMM wrote them with that stride);
        // without one a block's rows are as wide as the keys it sees, so early blocks of a long
        // sequence stay small in cache.
        func layout(_ block: AttentionBatch.Block) -> (ld: Int, size: Int) {
            let ld = context == nil ? block.first + block.count : width
            return (ld, groupSize * block.count * ld)
        }
        base = 0
        var offset = 0
        for block in batch.blocks {
            let s = segments[block.segment]
            let rows = groupSize * block.count
            let visible = block.first + block.count  // own keys 0..<visible are seen by some row of the block
            let (ld, size) = layout(block)
            let blockScores = scores + offset
            gemmScores(gathered + base * d, d, s.own.keys + keyValueHead * d, s.own.rowStride,
                       rows: rows, keys: visible, d: d, scale: scale, into: blockScores + contextLength, ld: ld)
            for i in 0..<rows {
                let position = contextLength + block.first + i % block.count
                let begin = window.map { max(0, position - $0 + 1) } ?? 0
                wn_softmax_row(blockScores + i * ld, Int32(begin), Int32(position + 1), Int32(contextLength + visible), softcap)
            }
            base += rows
            offset += size
        }
        if let context {
            gemmWeightedValues(scores, ld: width, context.values + keyValueHead * d, context.rowStride,
                               rows: batch.rows, keys: contextLength, d: d, into: outputs, d, accumulate: false)
        }
        base = 0
        offset = 0
        for block in batch.blocks {
            let s = segments[block.segment]
            let rows = groupSize * block.count
            let (ld, size) = layout(block)
            gemmWeightedValues(scores + offset + contextLength, ld: ld, s.own.values + keyValueHead * d,
                               s.own.rowStride, rows: rows, keys: block.first + block.count, d: d,
                               into: outputs + base * d, d, accumulate: context != nil)
            for j in 0..<groupSize {
                let destination = s.output + block.first * s.outputStride + (firstHead + j) * d
                for r in 0..<block.count {
                    (destination + r * s.outputStride).update(from: outputs + (base + j * block.count + r) * d, count: d)
                }
            }
            base += rows
            offset += size
        }
    }

    /// `scores[rows x keys] = scale · Q · Kᵀ` into a score block with leading dimension `ld`.
    @inline(__always)
    private static func gemmScores(_ q: UnsafePointer<Float>, _ qStride: Int, _ k: UnsafePointer<Float>, _ kStride: Int,
                                   rows: Int, keys: Int, d: Int, scale: Float,
                                   into scores: UnsafeMutablePointer<Float>, ld: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keys), Int32(d),
                    scale, q, Int32(qStride), k, Int32(kStride), 0, scores, Int32(ld))
    }

    /// `out[rows x d] (+)= P · V` for a probability block with leading dimension `ld`.
    @inline(__always)
    private static func gemmWeightedValues(_ p: UnsafePointer<Float>, ld: Int, _ v: UnsafePointer<Float>, _ vStride: Int,
                                           rows: Int, keys: Int, d: Int,
                                           into out: UnsafeMutablePointer<Float>, _ outStride: Int, accumulate: Bool) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(keys),
                    1, p, Int32(ld), v, Int32(vStride), accumulate ? 1 : 0, out, Int32(outStride))
    }
}
