/// An owned, 64-byte aligned float32 buffer. Activations and decoded weights live in these,
/// allocated once when a model loads or a workspace is planned, never in the hot loop.
/// `@unchecked Sendable`: a raw allocation shared on purpose between the workers of one
/// forward pass, each writing disjoint rows (see `ComputePool`); weights held in one are
/// written only while loading, before the model is shared.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Allocates `count` floats set to zero.
    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates `count` floats without touching them, so pages become resident only when a
    /// forward pass first writes them (workspaces are planned for the longest input allowed).
    public init(uninitializedCount count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}
