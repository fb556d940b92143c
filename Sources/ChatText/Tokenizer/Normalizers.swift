import Foundation

/// A tokenizer.json normalizer: rewrites the text (UTF-8) before pre-tokenization.
protocol Normalizer: Sendable {
    func normalize(_ text: [UInt8]) -> [UInt8]
}

@inline(__always) private func isASCII(_ text: [UInt8]) -> Bool { !text.contains { $0 >= 0x80 } }

/// Unicode normalization forms, through Foundation. ASCII text is already in every form.
struct UnicodeNormalizer: Normalizer {
    enum Form { case nfc, nfd, nfkc, nfkd }
    let form: Form

    func normalize(_ text: [UInt8]) -> [UInt8] {
        if isASCII(text) { return text }
        if form == .nfc && Self.isStableUnderNFC(text) { return text }
        let string = String(decoding: text, as: UTF8.self)
        let result: String
        switch form {
        case .nfc: result = string.precomposedStringWithCanonicalMapping
        case .nfd: result = string.decomposedStringWithCanonicalMapping
        case .nfkc: result = string.precomposedStringWithCompatibilityMapping
        case .nfkd: result = string.decomposedStringWithCompatibilityMapping
        }
        return Array(result.utf8)
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

/// Lower-cases scalar by scalar, with the full (unconditional) mappings, like Rust's `char::to_lowercase`.
struct LowercaseNormalizer: Normalizer {
    func normalize(_ text: [UInt8]) -> [UInt8] {
        if isASCII(text) {
            return text.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
            out.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
        }
        return out
    }
}

/// Replaces every match of a pattern with fixed content.
struct ReplaceNormalizer: Normalizer {
    let matcher: any SplitMatcher
    let content: [UInt8]

    func normalize(_ text: [UInt8]) -> [UInt8] {
        replaceMatches(in: text, matcher: matcher, with: content)
    }
}

func replaceMatches(in text: [UInt8], matcher: any SplitMatcher, with content: [UInt8]) -> [UInt8] {
    let matches = matcher.matches(in: text[...])
    if matches.isEmpty { return text }
    var out: [UInt8] = []
    out.reserveCapacity(text.count + matches.count * content.count)
    var last = 0
    for m in matches {
        out.append(contentsOf: text[last..<m.lowerBound])
        out.append(contentsOf: content)
        last = m.upperBound
    }
    out.append(contentsOf: text[last...])
    return out
}

/// Prepends fixed text to any non-empty text.
struct PrependNormalizer: Normalizer {
    let prefix: [UInt8]
    func normalize(_ text: [UInt8]) -> [UInt8] { text.isEmpty ? text : prefix + text }
}

/// Strips White_Space scalars from either end.
struct StripNormalizer: Normalizer {
    let left: Bool
    let right: Bool

    func normalize(_ text: [UInt8]) -> [UInt8] {
        let (scalars, offsets) = decodeScalars(text[...])
        var lo = 0, hi = scalars.count
        if left { while lo < hi, isWhite(scalars[lo]) { lo += 1 } }
        if right { while hi > lo, isWhite(scalars[hi - 1]) { hi -= 1 } }
        return Array(text[offsets[lo]..<offsets[hi]])
    }

    private func isWhite(_ v: UInt32) -> Bool { UnicodeClasses.of(v).contains(.whitespace) }
}

/// Removes combining marks (typically after NFD).
struct StripAccentsNormalizer: Normalizer {
    func normalize(_ text: [UInt8]) -> [UInt8] {
        if isASCII(text) { return text }
        var out: [UInt8] = []
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars
        where !UnicodeClasses.of(scalar.value).contains(.mark) {
            appendUTF8(scalar.value, to: &out)
        }
        return out
    }
}

/// Applies normalizers in order.
struct SequenceNormalizer: Normalizer {
    let normalizers: [any Normalizer]
    func normalize(_ text: [UInt8]) -> [UInt8] {
        normalizers.reduce(text) { $1.normalize($0) }
    }
}
