import Foundation

/// A tokenizer.json normalizer: rewrites the text (UTF-8) before pre-tokenization.
protocol Normalizer: Sendable {
    func normalize(_ text: [UInt8]) -> [UInt8]
}

@inline(__always) func isASCII(_ text: [UInt8]) -> Bool { !text.contains { $0 >= 0x80 } }

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

/// Removes combining marks (typically after NFD), as far as Unicode 9.0 knows them.
struct StripAccentsNormalizer: Normalizer {
    func normalize(_ text: [UInt8]) -> [UInt8] {
        if isASCII(text) { return text }
        var out: [UInt8] = []
        // tokenizers' mark table is Unicode 9.0: later marks stay.
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars
        where !UnicodeClasses.of(scalar.value).contains(.mark) || UnicodeAge.isAfterUnicode9(scalar.value) {
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
