// Character classes with the exact meanings the reference implementation uses:
// Oniguruma's \p{L}, \p{N}, \s for the split regexes, and Rust's `char` predicates and
// `regex` crate's \w / \s for added-token boundaries.

/// Bit flags describing one Unicode scalar.
struct ScalarClass: OptionSet {
    let rawValue: UInt8
    static let letter = ScalarClass(rawValue: 1)       // \p{L}: Lu Ll Lt Lm Lo
    static let number = ScalarClass(rawValue: 2)       // \p{N}: Nd Nl No
    static let whitespace = ScalarClass(rawValue: 4)   // \s: the White_Space property
    static let newline = ScalarClass(rawValue: 8)      // \r or \n
    static let mark = ScalarClass(rawValue: 16)        // \p{M}: Mn Mc Me
}

enum UnicodeClasses {
    /// Classes of the Basic Multilingual Plane, computed once (64 KiB, a few milliseconds):
    /// Unicode property lookups are the slow part of splitting non-ASCII text.
    private static let bmp: [ScalarClass] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map(classify) ?? []
    }

    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        if value < 0x10000 { return bmp[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return classify(scalar)
    }

    private static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        var result: ScalarClass = []
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            result.insert(.number)
        case .nonspacingMark, .spacingMark, .enclosingMark:
            result.insert(.mark)
        default:
            break
        }
        if properties.isWhitespace { result.insert(.whitespace) }
        if scalar.value == 0x0A || scalar.value == 0x0D { result.insert(.newline) }
        return result
    }

    /// Rust `regex` crate's Unicode `\w`: Alphabetic, marks, decimal digits, connector punctuation, join controls.
    static func isRegexWord(_ scalar: Unicode.Scalar) -> Bool {
        let p = scalar.properties
        if p.isAlphabetic || p.isJoinControl { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// Rust `char::is_whitespace` and regex `\s`: the White_Space property.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }
}

/// Decodes valid UTF-8 into scalar values and the byte offset where each one starts
/// (plus a final entry, the total length).
func decodeScalars(_ bytes: ArraySlice<UInt8>) -> (scalars: [UInt32], offsets: [Int]) {
    var scalars: [UInt32] = []
    var offsets: [Int] = []
    scalars.reserveCapacity(bytes.count)
    offsets.reserveCapacity(bytes.count + 1)
    var i = bytes.startIndex
    let end = bytes.endIndex
    while i < end {
        let b0 = UInt32(bytes[i])
        offsets.append(i - bytes.startIndex)
        if b0 < 0x80 {
            scalars.append(b0); i += 1
        } else if b0 < 0xE0 {
            scalars.append((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)); i += 2
        } else if b0 < 0xF0 {
            scalars.append((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)); i += 3
        } else {
            scalars.append((b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
                           | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)); i += 4
        }
    }
    offsets.append(bytes.count)
    return (scalars, offsets)
}

/// Length in bytes of the UTF-8 sequence that starts with `lead`.
@inline(__always)
func utf8Length(lead: UInt8) -> Int {
    if lead < 0x80 { return 1 }
    if lead < 0xE0 { return 2 }
    if lead < 0xF0 { return 3 }
    return 4
}

/// Appends the UTF-8 encoding of `value` to `out`.
@inline(__always)
func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
    if value < 0x80 {
        out.append(UInt8(value))
    } else if value < 0x800 {
        out.append(UInt8(0xC0 | value >> 6)); out.append(UInt8(0x80 | value & 0x3F))
    } else if value < 0x10000 {
        out.append(UInt8(0xE0 | value >> 12)); out.append(UInt8(0x80 | value >> 6 & 0x3F))
        out.append(UInt8(0x80 | value & 0x3F))
    } else {
        out.append(UInt8(0xF0 | value >> 18)); out.append(UInt8(0x80 | value >> 12 & 0x3F))
        out.append(UInt8(0x80 | value >> 6 & 0x3F)); out.append(UInt8(0x80 | value & 0x3F))
    }
}

/// The scalar value of the UTF-8 sequence of `length` bytes at `i`.
@inline(__always)
func scalarValue<C: RandomAccessCollection>(_ bytes: C, at i: Int, length: Int) -> UInt32
where C.Element == UInt8, C.Index == Int {
    let b0 = UInt32(bytes[i])
    switch length {
    case 1: return b0
    case 2: return (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
    case 3: return (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
    default: return (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
    }
}
