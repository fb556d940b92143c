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

/// One worker's scratch for `CausalAttention`: a batch's gathered queries, its score matrix, its
/// outputs, and its keys and values packed into panels.
final class AttentionScratch {
    /// Most rows in one batch: large enough that the context GEMMs of a best-of-N group's
    /// candidates run at full speed (OpenBLAS packs the keys once per call; 128-row products ran
    /// at ~2/3 of its rate, 256 rows and more at ~95%), small enough that a batch's scores stay in
    /// the L2 cache. 256 measured best of 128/256/512/1024 on best-of-8 groups (BENCHMARKS.md).
    static func rowLimit(groupSize: Int) -> Int { max(256, CausalAttention.unitRows(groupSize: groupSize)) }

    let queries: FloatBuffer   // [rowLimit x headDim]
    let scores: FloatBuffer    // [unitRows x capacity]: one block at any width, or more at smaller widths
    let outputs: FloatBuffer   // [rowLimit x headDim]
    /// The context's keys (then values) packed into panels, followed by one segment's own.
    let panels: FloatBuffer    // [(capacity + 64) x headDim rounded up to 32]
    /// Each row's count of visible own keys (the causal mask), for the packed products.
    let ends: UnsafeMutablePointer<Int32>

    init(capacity: Int, groupSize: Int, headDimension: Int) {
        let rows = Self.rowLimit(groupSize: groupSize)
        queries = FloatBuffer(uninitializedCount: rows * headDimension)
        scores = FloatBuffer(uninitializedCount: CausalAttention.unitRows(groupSize: groupSize) * capacity)
        outputs = FloatBuffer(uninitializedCount: rows * headDimension)
        panels = FloatBuffer(uninitializedCount: Self.panelFloats(capacity: capacity, headDimension: headDimension))
        ends = .allocate(capacity: rows)
    }

    deinit { ends.deallocate() }

    /// Packed keys or values of a context and one segment, `capacity` tokens at most between them
    /// (each rounded up to whole 32-key panels).
    static func panelFloats(capacity: Int, headDimension: Int) -> Int {
        (capacity + 64) * ((headDimension + 31) / 32 * 32)
    }

    /// Floats one scratch holds, for the memory plan.
    static func floats(capacity: Int, groupSize: Int, headDimension: Int) -> Int {
        2 * rowLimit(groupSize: groupSize) * headDimension + CausalAttention.unitRows(groupSize: groupSize) * capacity
            + panelFloats(capacity: capacity, headDimension: headDimension) + rowLimit(groupSize: groupSize)
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
    /// With AVX2 or AVX-512 kernels the products run on packed panels (`wn_attention_scores` /
    /// `wn_attention_values`), otherwise as OpenBLAS GEMMs; both compute the same sums.
    static func run(_ batch: AttentionBatch, segments: UnsafeBufferPointer<AttentionSegment>, context: KeyValueRows?,
                    keyValueHead: Int, groupSize: Int, headDimension d: Int,
                    scale: Float, softcap: Float = 0, window: Int? = nil, scratch: AttentionScratch) {
        precondition(batch.rows * d <= scratch.queries.count && batch.rows * batch.width <= scratch.scores.count)
        gatherQueries(batch, segments: segments, firstHead: keyValueHead * groupSize, groupSize: groupSize,
                      headDimension: d, into: scratch.queries.pointer)
        let products: Products = wn_kernel_path() >= Int32(WN_KERNELS_AVX2)
            ? .panels(scratch.panels.pointer, ends: scratch.ends) : .blas
        let contextLength = context?.count ?? 0
        let width = batch.width
        let gathered = scratch.queries.pointer, scores = scratch.scores.pointer, outputs = scratch.outputs.pointer
        let keyOffset = keyValueHead * d

        // With a context every block's score rows have the batch's width (the context product wrote
        // them with that stride); without one a block's rows are as wide as the keys it sees, so
        // early blocks of a long sequence stay small in cache.
        func layout(_ block: AttentionBatch.Block) -> (ld: Int, size: Int) {
            let ld = context == nil ? block.first + block.count : width
            return (ld, groupSize * block.count * ld)
        }
        // Every row against the shared context at once.
        if let context {
            products.scores(gathered, rows: batch.rows, keys: context.keys + keyOffset, stride: context.rowStride,
                            count: contextLength, at: .context, d: d, scale: scale, into: scores, ld: width)
        }
        // Each block against its own keys, then its rows' softmax.
        var base = 0, offset = 0
        var packed = OwnPacking()
        for (index, block) in batch.blocks.enumerated() {
            let s = segments[block.segment]
            let rows = groupSize * block.count
            let (ld, size) = layout(block)
            let blockScores = scores + offset
            let keys = packed.keys(for: index, in: batch, contextLength: contextLength, headDimension: d)
            products.scores(gathered + base * d, rows: rows, keys: s.own.keys + keyOffset, stride: s.own.rowStride,
                            count: keys.count, at: keys.packing, d: d, scale: scale, into: blockScores + contextLength, ld: ld,
                            causal: block)
            for i in 0..<rows {
                let position = contextLength + block.first + i % block.count
                let begin = window.map { max(0, position - $0 + 1) } ?? 0
                wn_softmax_row(blockScores + i * ld, Int32(begin), Int32(position + 1),
                               Int32(contextLength + block.first + block.count), softcap)
            }
            base += rows
            offset += size
        }
        if let context {
            products.values(scores, ld: width, rows: batch.rows, values: context.values + keyOffset, stride: context.rowStride,
                            count: contextLength, at: .context, d: d, into: outputs, accumulate: false)
        }
        base = 0
        offset = 0
        packed = OwnPacking()
        for (index, block) in batch.blocks.enumerated() {
            let s = segments[block.segment]
            let rows = groupSize * block.count
            let (ld, size) = layout(block)
            let keys = packed.keys(for: index, in: batch, contextLength: contextLength, headDimension: d)
            products.values(scores + offset + contextLength, ld: ld, rows: rows, values: s.own.values + keyOffset,
                            stride: s.own.rowStride, count: keys.count, at: keys.packing, d: d,
                            into: outputs + base * d, accumulate: context != nil, causal: block)
            for j in 0..<groupSize {
                let destination = s.output + block.first * s.outputStride + (keyValueHead * groupSize + j) * d
                for r in 0..<block.count {
                    (destination + r * s.outputStride).update(from: outputs + (base + j * block.count + r) * d, count: d)
                }
            }
            base += rows
            offset += size
        }
    }

    /// Copies a batch's queries block after block; inside a block row `j · count + r` is query head
    /// `firstHead + j` at position `first + r`.
    private static func gatherQueries(_ batch: AttentionBatch, segments: UnsafeBufferPointer<AttentionSegment>,
                                      firstHead: Int, groupSize: Int, headDimension d: Int,
                                      into gathered: UnsafeMutablePointer<Float>) {
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
    }

    /// Which keys of a segment the packed own panels hold: a segment's consecutive blocks in a
    /// batch share one packing, as many keys as its last block there sees.
    private struct OwnPacking {
        var segment = -1
        var count = 0

        /// The own keys block `index` multiplies, and whether they still have to be packed.
        mutating func keys(for index: Int, in batch: AttentionBatch, contextLength: Int,
                           headDimension d: Int) -> (count: Int, packing: Products.Packing) {
            let block = batch.blocks[index]
            if block.segment == segment { return (count, .own(offset: ownOffset(contextLength, d), fresh: false)) }
            segment = block.segment
            count = 0
            for later in batch.blocks[index...] {
                guard later.segment == segment else { break }
                count = max(count, later.first + later.count)
            }
            return (count, .own(offset: ownOffset(contextLength, d), fresh: true))
        }

        /// Own panels start past the context's (keys or values, whichever is larger).
        private func ownOffset(_ contextLength: Int, _ d: Int) -> Int {
            contextLength == 0 ? 0 : max(wn_key_panels_floats(Int32(contextLength), Int32(d)),
                                         wn_value_panels_floats(Int32(contextLength), Int32(d)))
        }
    }

    /// The two products of attention, as OpenBLAS GEMMs or on packed panels.
    private enum Products {
        case blas
        case panels(UnsafeMutablePointer<Float>, ends: UnsafeMutablePointer<Int32>)

        /// Where operands go in the panel scratch: the context at its start, a segment's own keys or
        /// values after it (`fresh`: not yet packed for this product).
        enum Packing {
            case context
            case own(offset: Int, fresh: Bool)

            /// The panels' place in the scratch, and whether they have to be packed there first.
            func place(in panels: UnsafeMutablePointer<Float>) -> (UnsafeMutablePointer<Float>, fresh: Bool) {
                switch self {
                case .context: return (panels, true)
                case .own(let offset, let fresh): return (panels + offset, fresh)
                }
            }
        }

        /// With a causal `block` (its rows query head after head), each row's count of own keys seen:
        /// up to its position. Nil without one: every row sees every key.
        private static func ends(_ ends: UnsafeMutablePointer<Int32>, rows: Int,
                                 causal block: AttentionBatch.Block?) -> UnsafePointer<Int32>? {
            guard let block else { return nil }
            for i in 0..<rows { ends[i] = Int32(block.first + i % block.count + 1) }
            return UnsafePointer(ends)
        }

        /// `scores[rows x keys] = scale · Q · Kᵀ` (ld `ld`) over `count` keys; with a `causal` block,
        /// only the keys its rows can see (the first `first + count` of them).
        func scores(_ q: UnsafePointer<Float>, rows: Int, keys: UnsafePointer<Float>, stride: Int, count: Int,
                    at packing: Packing, d: Int, scale: Float, into scores: UnsafeMutablePointer<Float>, ld: Int,
                    causal block: AttentionBatch.Block? = nil) {
            let visible = block.map { $0.first + $0.count } ?? count
            switch self {
            case .blas:
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(visible), Int32(d),
                            scale, q, Int32(d), keys, Int32(stride), 0, scores, Int32(ld))
            case .panels(let panels, let ends):
                let (target, fresh) = packing.place(in: panels)
                if fresh { wn_pack_key_panels(keys, Int32(stride), Int32(count), Int32(d), target) }
                wn_attention_scores(q, Int32(d), Int32(rows), Int32(d), target, Int32(visible),
                                    Self.ends(ends, rows: rows, causal: block), scale, scores, Int32(ld))
            }
        }

        /// `out[rows x d] (+)= P · V` for probabilities with leading dimension `ld`, over `count` values
        /// (`causal` as for `scores`).
        func values(_ p: UnsafePointer<Float>, ld: Int, rows: Int, values: UnsafePointer<Float>, stride: Int, count: Int,
                    at packing: Packing, d: Int, into out: UnsafeMutablePointer<Float>, accumulate: Bool,
                    causal block: AttentionBatch.Block? = nil) {
            switch self {
            case .blas:
                let visible = block.map { $0.first + $0.count } ?? count
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(visible),
                            1, p, Int32(ld), values, Int32(stride), accumulate ? 1 : 0, out, Int32(d))
            case .panels(let panels, let ends):
                let (target, fresh) = packing.place(in: panels)
                if fresh { wn_pack_value_panels(values, Int32(stride), Int32(count), Int32(d), target) }
                // The value panels' layout depends on how many were packed: pass that count, the
                // ends keep each row to what it sees.
                wn_attention_values(p, Int32(ld), Int32(rows), Int32(d), target, Int32(count),
                                    Self.ends(ends, rows: rows, causal: block), out, Int32(d), accumulate ? 1 : 0)
            }
        }
    }
}
