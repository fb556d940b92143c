/// GPT-2's byte-to-character table: every byte gets a printable character, so that byte-level
/// BPE vocabularies are plain strings. Printable Latin-1 bytes map to themselves, the other 68
/// to U+0100 and up, in byte order.
enum ByteLevelAlphabet {
    /// The scalar value each byte maps to.
    static let scalarOfByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The UTF-8 encoding of each byte's character.
    static let utf8OfByte: [[UInt8]] = scalarOfByte.map { value in
        var out: [UInt8] = []
        appendUTF8(value, to: &out)
        return out
    }

    /// The byte each alphabet character stands for (nil for characters outside the alphabet).
    static func byte(ofScalar value: UInt32) -> UInt8? {
        if value < 0x144, let index = byteOfScalar[Int(value)] { return index }
        return nil
    }

    private static let byteOfScalar: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 0x144)
        for (b, s) in scalarOfByte.enumerated() { table[Int(s)] = UInt8(b) }
        return table
    }()

    /// UTF-8 of each byte's character packed as (length << 16 | first << 8 | second), for the hot path.
    private static let packedUTF8: [UInt32] = utf8OfByte.map { utf8 in
        utf8.count == 1 ? (1 << 16 | UInt32(utf8[0]) << 8) : (2 << 16 | UInt32(utf8[0]) << 8 | UInt32(utf8[1]))
    }

    /// Appends the UTF-8 of `byte`'s character to `out`.
    @inline(__always)
    static func append(_ byte: UInt8, to out: inout [UInt8]) {
        let packed = packedUTF8[Int(byte)]
        out.append(UInt8(truncatingIfNeeded: packed >> 8))
        if packed >> 16 == 2 { out.append(UInt8(truncatingIfNeeded: packed)) }
    }

    /// Maps raw bytes to the UTF-8 of their alphabet characters.
    static func encode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(contentsOf: utf8OfByte[Int(b)]) }
        return out
    }
}
