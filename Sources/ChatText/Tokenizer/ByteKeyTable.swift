/// An open-addressing hash table from byte strings to Int32, looked up straight from a buffer
/// pointer: no key allocation on the hot path (a `[ByteString: Int32]` lookup needs a fresh
/// array per query). Keys live back to back in one arena.
struct ByteKeyTable: Sendable {
    private var arena: [UInt8] = []
    private var keyOffsets: [Int32] = []
    private var keyLengths: [Int32] = []
    private var values: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]          // entry index, or -1
    private var mask: Int

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { values.count }

    /// FNV-1a over the bytes, finished with a multiply-xorshift to spread the low bits.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in key { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        h ^= h >> 29
        h = h &* 0xbf58476d1ce4e5b9
        return h ^ (h >> 32)
    }

    func find(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let h = Self.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        return arena.withUnsafeBufferPointer { arena in
            while true {
                let entry = Int(slots[slot])
                if entry < 0 { return nil }
                if hashes[entry] == h && Int(keyLengths[entry]) == key.count {
                    let start = Int(keyOffsets[entry])
                    if key.count == 0 || memcmpEqual(arena.baseAddress! + start, key.baseAddress!, key.count) {
                        return values[entry]
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    func find(_ key: [UInt8]) -> Int32? { key.withUnsafeBufferPointer { find($0) } }

    /// Inserts or replaces.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, value: Int32) {
        let h = Self.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if hashes[entry] == h && Int(keyLengths[entry]) == key.count
                && arena[Int(keyOffsets[entry])..<(Int(keyOffsets[entry]) + key.count)].elementsEqual(key) {
                values[entry] = value
                return
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(values.count)
        keyOffsets.append(Int32(arena.count))
        keyLengths.append(Int32(key.count))
        arena.append(contentsOf: key)
        values.append(value)
        hashes.append(h)
        if values.count * 2 > slots.count { grow() }
    }

    mutating func insert(_ key: [UInt8], value: Int32) {
        key.withUnsafeBufferPointer { insert($0, value: value) }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (entry, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}
