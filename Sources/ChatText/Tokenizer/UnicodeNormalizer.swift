import Foundation

/// Unicode normalization forms, through Foundation. ASCII text is already in every form.
///
/// Foundation's composition (NFC, NFKC) on Linux is wrong after a supplementary-plane starter: it
/// looks the pair up with the starter truncated to 16 bits, so U+E0069 U+0300 became U+00EC.
/// Text with such starters is therefore decomposed by Foundation (which is right) and recomposed
/// piecewise: Foundation composes each run between those starters, and the starters compose by
/// `AstralCompositions` (the pairs tokenizers' tables know).
struct UnicodeNormalizer: Normalizer {
    enum Form { case nfc, nfd, nfkc, nfkd }
    let form: Form

    func normalize(_ text: [UInt8]) -> [UInt8] {
        if isASCII(text) { return text }
        if form == .nfc && Self.isStableUnderNFC(text) { return text }
        // tokenizers' normalization tables are Unicode 9.0: a scalar assigned later is, to them,
        // an unassigned code point (combining class 0, no decomposition, composes with nothing).
        // It blocks everything around it, so the runs between such scalars normalize on their own.
        var out: [UInt8] = []
        var runStart = 0
        var i = 0
        var sawNewer = false
        while i < text.count {
            let length = utf8Length(lead: text[i])
            if text[i] >= 0xC0, UnicodeAge.isAfterUnicode9(scalarValue(text, at: i, length: length)) {
                if !sawNewer { out.reserveCapacity(text.count); sawNewer = true }
                out += normalizeKnown(Array(text[runStart..<i]))
                out += text[i..<(i + length)]
                runStart = i + length
            }
            i += length
        }
        if !sawNewer { return normalizeKnown(text) }
        out += normalizeKnown(Array(text[runStart...]))
        return out
    }

    /// Normalizes text whose scalars all exist in Unicode 9.0.
    private func normalizeKnown(_ text: [UInt8]) -> [UInt8] {
        if isASCII(text) { return text }
        switch form {
        case .nfd: return Array(String(decoding: text, as: UTF8.self).decomposedStringWithCanonicalMapping.utf8)
        case .nfkd: return Array(String(decoding: text, as: UTF8.self).decomposedStringWithCompatibilityMapping.utf8)
        case .nfc, .nfkc:
            let compatibility = form == .nfkc
            let string = String(decoding: text, as: UTF8.self)
            if !text.contains(where: { $0 >= 0xF0 }) {  // no supplementary-plane scalar
                return Array((compatibility ? string.precomposedStringWithCompatibilityMapping
                                            : string.precomposedStringWithCanonicalMapping).utf8)
            }
            let decomposed = compatibility ? string.decomposedStringWithCompatibilityMapping
                                           : string.decomposedStringWithCanonicalMapping
            return AstralCompositions.compose(Array(decomposed.unicodeScalars))
        }
    }

    /// Scalars that NFC leaves alone in any context: combining class 0, no canonical decomposition,
    /// and never the second half of a canonical composition (verified for every scalar of these
    /// ranges against Python's unicodedata). Text made only of them is already NFC, which spares
    /// Foundation's normalizer for most Latin, CJK, kana, Hangul-syllable and emoji text.
    private static func isStableUnderNFC(_ text: [UInt8]) -> Bool {
        var i = 0
        while i < text.count {
            let length = utf8Length(lead: text[i])
            let v = scalarValue(text, at: i, length: length)
            i += length
            switch v {
            case 0..<0x300, 0x400..<0x483, 0x200B..<0x2010, 0x3000..<0x302A, 0x3030..<0x3040, 0x3041..<0x3097,
                 0x30A0..<0x3100, 0x4E00..<0xA000, 0xAC00..<0xD7A4, 0xFE00..<0xFE10, 0xFF01..<0xFFF0, 0x1F300..<0x1FB00:
                continue
            default:
                return false
            }
        }
        return true
    }
}

/// Canonical composition around supplementary-plane starters (see `UnicodeNormalizer`).
enum AstralCompositions {
    /// (starter, second) -> composite, for starters above U+FFFF: the primary composites that
    /// tokenizers' `unicode-normalization-alignments` tables compose (not Dives Akuru U+11938,
    /// which they lack).
    static let pairs: [UInt64: UInt32] = {
        let list: [(UInt32, UInt32, UInt32)] = [
            (0x11099, 0x110BA, 0x1109A), (0x1109B, 0x110BA, 0x1109C), (0x110A5, 0x110BA, 0x110AB),
            (0x11131, 0x11127, 0x1112E), (0x11132, 0x11127, 0x1112F), (0x11347, 0x1133E, 0x1134B),
            (0x11347, 0x11357, 0x1134C), (0x114B9, 0x114BA, 0x114BB), (0x114B9, 0x114B0, 0x114BC),
            (0x114B9, 0x114BD, 0x114BE), (0x115B8, 0x115AF, 0x115BA), (0x115B9, 0x115AF, 0x115BB),
        ]
        var table: [UInt64: UInt32] = [:]
        for (a, b, c) in list { table[UInt64(a) << 32 | UInt64(b)] = c }
        return table
    }()

    /// Second halves of those pairs: they stay inside the run of their starter.
    private static let seconds: Set<UInt32> = Set(pairs.keys.map { UInt32(truncatingIfNeeded: $0) })

    private static func ccc(_ v: UInt32) -> UInt8 {
        Unicode.Scalar(v).map { $0.properties.canonicalCombiningClass.rawValue } ?? 0
    }

    /// Composes fully decomposed text: each run that starts at a supplementary-plane starter is
    /// composed by Foundation without its starter, then the starter takes its unblocked partners.
    static func compose(_ scalars: [Unicode.Scalar]) -> [UInt8] {
        var out: [UInt8] = []
        var runStart = 0
        func flush(_ end: Int) {
            guard runStart < end else { return }
            var first = runStart
            var starter: UInt32? = nil
            let v = scalars[runStart].value
            if v >= 0x10000 && ccc(v) == 0 && !seconds.contains(v) { starter = v; first += 1 }
            var tail = String.UnicodeScalarView()
            tail.append(contentsOf: scalars[first..<end])
            var rest = Array(String(tail).precomposedStringWithCanonicalMapping.unicodeScalars.map(\.value))
            if var s = starter {
                // Canonical composition of `s` with the following scalars (UAX #15, D115-D117).
                var j = 0
                var lastCCC: Int = -1
                while j < rest.count {
                    let c = rest[j]
                    let cc = Int(ccc(c))
                    let unblocked = j == 0 || (lastCCC != 0 && lastCCC < cc)
                    if unblocked, let composite = pairs[UInt64(s) << 32 | UInt64(c)] {
                        s = composite
                        rest.remove(at: j)
                        continue
                    }
                    if cc == 0 { break }
                    lastCCC = cc
                    j += 1
                }
                appendUTF8(s, to: &out)
            }
            for c in rest { appendUTF8(c, to: &out) }
        }
        for (i, scalar) in scalars.enumerated() where i > 0 {
            let v = scalar.value
            if v >= 0x10000 && ccc(v) == 0 && !seconds.contains(v) {
                flush(i)
                runStart = i
            }
        }
        flush(scalars.count)
        return out
    }
}

/// Which scalars Unicode 9.0 (the version of tokenizers' normalization tables) did not assign.
enum UnicodeAge {
    private static let bmp: [Bool] = (0..<0x10000).map { isAfter9(UInt32($0)) }

    @inline(__always)
    static func isAfterUnicode9(_ value: UInt32) -> Bool {
        value < 0x10000 ? bmp[Int(value)] : isAfter9(value)
    }

    private static func isAfter9(_ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value), let age = scalar.properties.age else { return true }
        return age.major > 9
    }
}
