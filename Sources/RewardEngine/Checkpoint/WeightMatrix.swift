import Foundation

/// How linear-layer weights are held in memory.
public enum WeightPrecision: String, Sendable, CaseIterable {
    /// Decoded to float32 at load: fastest, about twice the resident memory of bf16 files.
    case float32
    /// Left memory-mapped in the checkpoint's dtype (bf16 for Skywork) and widened to float32
    /// one tile at a time inside each GEMM: about half the memory, shared through the page
    /// cache by every process that maps the same files.
    case bfloat16
}

/// How the engine holds a linear layer's weight: what `WeightPrecision` and the running
/// `ComputeMode` together ask for.
enum WeightFormat: Sendable {
    /// Decoded to float32 at load (float32 compute, `--weights float32`).
    case float32
    /// Left mapped as stored, widened a tile at a time (float32 compute, `--weights bfloat16`).
    case mapped
    /// Quantized to signed 8 bits per output row at load (int8 compute), for activations
    /// stored with `zeroPoint`, with the input's HadamardRotation folded in where the width has
    /// one (every linear: it lowered int8's score error on both checkpoints measured, most where
    /// rows carry a few large entries; BENCHMARKS.md "int8 fidelity").
    case int8(zeroPoint: Int32)

    init(precision: WeightPrecision, compute: ComputeChoice) {
        if compute.running == .int8 {
            self = .int8(zeroPoint: compute.activationLevels + 1)
        } else {
            self = precision == .float32 ? .float32 : .mapped
        }
    }
}

/// The weight `[rows x columns]` of an `nn.Linear` (or of several stacked along rows, such as
/// a fused `[q; k; v]`), in float32, as the checkpoint's mapped tensors, or quantized to int8.
/// `@unchecked Sendable`: immutable after `init`; its buffers and mapped views are only read.
struct WeightMatrix: @unchecked Sendable {
    enum Storage {
        case float32(FloatBuffer)
        case mapped([TensorView])
        case int8(QuantizedMatrix)
    }

    let rows: Int
    let columns: Int
    let storage: Storage

    /// Stacks `parts` (each `[r_i x columns]`) into one matrix in `format`.
    init(_ store: WeightStore, _ parts: [(name: String, shape: [Int])], format: WeightFormat) throws {
        let views = try parts.map { try store.view($0.name, shape: $0.shape) }
        columns = parts[0].shape.count == 2 ? parts[0].shape[1] : 1
        rows = views.reduce(0) { $0 + $1.shape[0] }
        switch format {
        case .mapped:
            storage = .mapped(views)
        case .int8(let zeroPoint):
            storage = .int8(QuantizedMatrix(views, rows: rows, columns: columns, zeroPoint: zeroPoint, rotated: true))
        case .float32:
            let buffer = FloatBuffer(uninitializedCount: rows * columns)
            var offset = 0
            for view in views {
                decode(view, into: buffer.pointer + offset, count: view.elementCount)
                offset += view.elementCount
                // The float32 copy is what we use: stop counting the mapped pages as ours.
                view.releasePages()
            }
            storage = .float32(buffer)
        }
    }

    /// Decodes rows `first..<first+count` into `out` (`count x columns`, row-major).
    func decodeRows(_ first: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        guard case .mapped(let views) = storage else { return }
        var row = first, remaining = count, written = 0
        var partStart = 0
        for view in views {
            let partRows = view.shape[0]
            if row < partStart + partRows && remaining > 0 {
                let local = row - partStart
                let take = min(remaining, partRows - local)
                decode(view, into: out + written * columns, count: take * columns, offset: local * columns)
                row += take; remaining -= take; written += take
            }
            partStart += partRows
        }
    }

    /// Bytes this matrix keeps resident in its precision.
    var residentBytes: Int {
        switch storage {
        case .float32: return rows * columns * 4
        case .mapped(let views): return views.reduce(0) { $0 + $1.elementCount * $1.storage.byteWidth }
        case .int8(let q): return q.residentBytes
        }
    }
}

extension TensorView {
    /// Tells the kernel this process no longer needs the tensor's mapped pages; they stay in
    /// the page cache for other processes and come back on the next access.
    func releasePages() {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: bytes)
        let alignedStart = (start + page - 1) / page * page
        let end = start + elementCount * storage.byteWidth
        let alignedEnd = end / page * page
        guard alignedEnd > alignedStart else { return }
        madvise(UnsafeMutableRawPointer(bitPattern: alignedStart), alignedEnd - alignedStart, MADV_DONTNEED)
    }
}
