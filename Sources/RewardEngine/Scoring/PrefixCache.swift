/// Keys and values of shared prefixes, for every layer, kept while their suffixes are scored.
/// Planned once for `capacity` prefix tokens: `[layer][token][k | v]`.
final class PrefixCache {
    /// A prefix's token range in the cache.
    struct Slot: Hashable {
        var offset: Int
        var count: Int
    }

    let capacity: Int
    let layers: Int
    /// Floats per token: keys then values, `kvHeads · headDim` each.
    let rowWidth: Int
    let storage: FloatBuffer

    init(capacity: Int, layers: Int, keyValueWidth: Int) {
        self.capacity = capacity
        self.layers = layers
        rowWidth = 2 * keyValueWidth
        storage = FloatBuffer(uninitializedCount: capacity * layers * rowWidth)
    }

    /// First `[k | v]` row of `slot` in `layer`.
    @inline(__always)
    func rows(_ slot: Slot, layer: Int) -> UnsafeMutablePointer<Float> {
        storage.pointer + (layer * capacity + slot.offset) * rowWidth
    }
}
