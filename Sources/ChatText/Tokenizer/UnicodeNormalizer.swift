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

    /// Whether NFC leaves `text` unchanged because every scalar in it is NFC-inert: combining
    /// class 0, its own NFC, never the second half of a composition (or unassigned, which
    /// tokenizers' tables treat the same). Spares Foundation for most text in most scripts.
    private static func isStableUnderNFC(_ text: [UInt8]) -> Bool {
        var i = 0
        while i < text.count {
            let length = utf8Length(lead: text[i])
            let v = scalarValue(text, at: i, length: length)
            i += length
            if v < 0x300 { continue }
            if v < 0x10000 {
                if !NFCInert.bmp[Int(v)] { return false }
            } else if !NFCInert.contains(v) {
                return false
            }
        }
        return true
    }
}

/// The NFC-inert ranges (made by scripts/make-nfc-inert-ranges.py, unicodedata 14.0.0;
/// only ranges of 48 scalars or more).
enum NFCInert {
    static let ranges: [(UInt32, UInt32)] = [
        (0x0, 0x300), (0x388, 0x483), (0x488, 0x591), (0x5C8, 0x610), (0x61B, 0x64B), (0x671, 0x6D6), (0x74B, 0x7EB),
        (0x85C, 0x898), (0x900, 0x93C), (0x960, 0x9BC), (0x9FF, 0xA33), (0xA5F, 0xABC), (0xACE, 0xB3C),
        (0xB5E, 0xBBE), (0xBD8, 0xC3C), (0xC57, 0xCBC), (0xCD7, 0xD3B), (0xD58, 0xDCA), (0xDE0, 0xE38),
        (0xE4C, 0xEB8), (0xECC, 0xF18), (0xFC7, 0x102E), (0x103B, 0x108D), (0x108E, 0x1161), (0x1176, 0x11A8),
        (0x11C3, 0x135D), (0x1360, 0x1714), (0x1735, 0x17D2), (0x17DE, 0x18A9), (0x18AA, 0x1939), (0x193C, 0x1A17),
        (0x1A19, 0x1A60), (0x1A80, 0x1AB0), (0x1ACF, 0x1B34), (0x1B74, 0x1BAA), (0x1BAC, 0x1BE6), (0x1BF4, 0x1C37),
        (0x1C38, 0x1CD0), (0x1CFA, 0x1DC0), (0x1E00, 0x1F71), (0x1F7E, 0x1FBB), (0x2002, 0x20D0), (0x20F1, 0x2126),
        (0x212C, 0x2329), (0x232B, 0x2ADC), (0x2ADD, 0x2CEF), (0x2CF2, 0x2D7F), (0x2D80, 0x2DE0), (0x2E00, 0x302A),
        (0x3030, 0x3099), (0x309B, 0xA66F), (0xA6A0, 0xA6F0), (0xA6F2, 0xA806), (0xA82D, 0xA8C4), (0xA8F2, 0xA92B),
        (0xA954, 0xA9B3), (0xA9C1, 0xAAB0), (0xAAC2, 0xAAF6), (0xAAF7, 0xABED), (0xABEE, 0xD800), (0xE000, 0xF900),
        (0xFADA, 0xFB1D), (0xFB4F, 0xFE20), (0xFE30, 0x101FD), (0x101FE, 0x102E0), (0x102E1, 0x10376),
        (0x1037B, 0x10A0D), (0x10A40, 0x10AE5), (0x10AE7, 0x10D24), (0x10D28, 0x10EAB), (0x10EAD, 0x10F46),
        (0x10F51, 0x10F82), (0x10F86, 0x11046), (0x11080, 0x110B9), (0x110BB, 0x11100), (0x11135, 0x11173),
        (0x11174, 0x111C0), (0x111CB, 0x11235), (0x11237, 0x112E9), (0x112EB, 0x1133B), (0x11375, 0x11442),
        (0x1145F, 0x114B0), (0x114C4, 0x115AF), (0x115C1, 0x1163F), (0x11640, 0x116B6), (0x116B8, 0x1172B),
        (0x1172C, 0x11839), (0x1183B, 0x11930), (0x11944, 0x119E0), (0x119E1, 0x11A34), (0x11A48, 0x11A99),
        (0x11A9A, 0x11C3F), (0x11C40, 0x11D42), (0x11D46, 0x11D97), (0x11D98, 0x16AF0), (0x16AF5, 0x16B30),
        (0x16B37, 0x16FF0), (0x16FF2, 0x1BC9E), (0x1BC9F, 0x1D15E), (0x1D1C1, 0x1D242), (0x1D245, 0x1E000),
        (0x1E02B, 0x1E130), (0x1E137, 0x1E2AE), (0x1E2AF, 0x1E2EC), (0x1E2F0, 0x1E8D0), (0x1E8D7, 0x1E944),
        (0x1E94B, 0x2F800), (0x2FA1E, 0x30000)
    ]

    /// The ranges as a table over the Basic Multilingual Plane.
    static let bmp: [Bool] = {
        var table = [Bool](repeating: false, count: 0x10000)
        for (lo, hi) in ranges where lo < 0x10000 {
            for v in lo..<min(hi, 0x10000) { table[Int(v)] = true }
        }
        return table
    }()

    static func contains(_ v: UInt32) -> Bool {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].1 <= v { lo = mid + 1 } else if ranges[mid].0 > v { hi = mid } else { return true }
        }
        return false
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
