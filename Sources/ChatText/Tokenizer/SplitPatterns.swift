import Foundation

/// Finds successive, non-overlapping matches of a split pattern in UTF-8 text.
protocol SplitMatcher: Sendable {
    /// Byte ranges (relative to `text.startIndex`) of the matches, left to right.
    func matches(in text: ArraySlice<UInt8>) -> [Range<Int>]
}

/// A hand-written matcher that tiles the text with consecutive matches: each one starts where
/// the previous ended, so a matcher only says where the match at scalar `i` ends.
protocol ScalarScanningMatcher: SplitMatcher {
    /// End (exclusive, in scalars) of the match starting at scalar `i` of `t`'s `n` scalars.
    func matchEnd(_ t: ScannedText, at i: Int, n: Int) -> Int
}

extension ScalarScanningMatcher {
    func matches(in text: ArraySlice<UInt8>) -> [Range<Int>] {
        let t = ScannedText(text)
        let n = t.count
        var out: [Range<Int>] = []
        var i = 0
        while i < n {
            let end = matchEnd(t, at: i, n: n)
            out.append(i..<end)
            i = end
        }
        return t.byteRanges(out)
    }
}

/// Chooses the matcher for a regex pattern from tokenizer.json.
///
/// The GPT-2, Llama-3 and Qwen patterns get hand-written matchers over Unicode scalars: they are
/// exact (the same \p{L}/\p{N}/\s tables and backtracking outcome as Oniguruma) and much faster
/// than Foundation's regex. Any other pattern falls back to NSRegularExpression (ICU), which agrees
/// with Oniguruma on ordinary patterns.
enum SplitPatterns {
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static func matcher(forRegex pattern: String) throws -> any SplitMatcher {
        let scalars = Array(pattern.unicodeScalars)
        if scalars.elementsEqual(gpt2.unicodeScalars) { return GPT2Matcher() }
        if scalars.elementsEqual(llama3.unicodeScalars) { return Llama3StyleMatcher(maxDigits: 3) }
        if scalars.elementsEqual(qwen2.unicodeScalars) { return Llama3StyleMatcher(maxDigits: 1) }
        return try FoundationRegexMatcher(pattern: pattern)
    }
}

/// Scalars of a text with their classes and byte offsets, shared by the hand-written matchers.
struct ScannedText {
    let scalars: [UInt32]
    let offsets: [Int]
    let classes: [ScalarClass]

    init(_ text: ArraySlice<UInt8>) {
        (scalars, offsets) = decodeScalars(text)
        classes = scalars.map(UnicodeClasses.of)
    }

    var count: Int { scalars.count }

    /// Neither whitespace, a letter nor a number: `[^\s\p{L}\p{N}]`.
    @inline(__always) func isOther(_ i: Int) -> Bool {
        classes[i].isDisjoint(with: [.whitespace, .letter, .number])
    }
    @inline(__always) func isLetter(_ i: Int) -> Bool { classes[i].contains(.letter) }
    @inline(__always) func isNumber(_ i: Int) -> Bool { classes[i].contains(.number) }
    @inline(__always) func isSpace(_ i: Int) -> Bool { classes[i].contains(.whitespace) }

    /// End of the run of scalars from `i` satisfying `test`.
    @inline(__always) func run(from i: Int, while test: (Int) -> Bool) -> Int {
        var j = i
        while j < count && test(j) { j += 1 }
        return j
    }

    /// The end of `\s+(?!\S)` / `\s+` starting at whitespace `i`, whose run ends at `j`:
    /// the lookahead gives back the last whitespace when a non-space follows.
    @inline(__always) func whitespaceEnd(from i: Int, runEnd j: Int) -> Int {
        if j == count || j - i < 2 { return j }
        return j - 1
    }

    /// Converts scalar ranges into byte ranges.
    func byteRanges(_ ranges: [Range<Int>]) -> [Range<Int>] {
        ranges.map { offsets[$0.lowerBound]..<offsets[$0.upperBound] }
    }
}

/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (GPT-2, ByteLevel's default).
struct GPT2Matcher: ScalarScanningMatcher {
    func matchEnd(_ t: ScannedText, at i: Int, n: Int) -> Int {
        let c = t.scalars[i]
        if c == 0x27, i + 1 < n {  // contractions, case-sensitive
            let c1 = t.scalars[i + 1]
            if c1 == 0x73 || c1 == 0x74 || c1 == 0x6D || c1 == 0x64 { return i + 2 }  // s t m d
            if i + 2 < n {
                let c2 = t.scalars[i + 2]
                if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) { return i + 3 }
            }
        }
        let spaceFirst = c == 0x20 && i + 1 < n
        if t.isLetter(i) { return t.run(from: i, while: t.isLetter) }
        if spaceFirst && t.isLetter(i + 1) { return t.run(from: i + 1, while: t.isLetter) }
        if t.isNumber(i) { return t.run(from: i, while: t.isNumber) }
        if spaceFirst && t.isNumber(i + 1) { return t.run(from: i + 1, while: t.isNumber) }
        if t.isOther(i) { return t.run(from: i, while: t.isOther) }
        if spaceFirst && t.isOther(i + 1) { return t.run(from: i + 1, while: t.isOther) }
        // Whitespace.
        let j = t.run(from: i, while: t.isSpace)
        return t.whitespaceEnd(from: i, runEnd: j)
    }
}

/// The Llama-3 split regex and Qwen's variant (`\p{N}` instead of `\p{N}{1,3}`):
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
struct Llama3StyleMatcher: ScalarScanningMatcher {
    let maxDigits: Int

    /// Case-insensitive comparison with an ASCII lowercase letter, as Oniguruma folds case:
    /// besides upper case, U+017F LATIN SMALL LETTER LONG S folds to "s".
    @inline(__always) private func folds(_ c: UInt32, to lower: UInt32) -> Bool {
        c == lower || c == lower - 0x20 || (lower == 0x73 && c == 0x17F)
    }

    func matchEnd(_ t: ScannedText, at i: Int, n: Int) -> Int {
        let c = t.scalars[i]
        // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if c == 0x27, i + 1 < n {
            let c1 = t.scalars[i + 1]
            if folds(c1, to: 0x73) || folds(c1, to: 0x74) || folds(c1, to: 0x6D) || folds(c1, to: 0x64) { return i + 2 }
            if i + 2 < n {
                let c2 = t.scalars[i + 2]
                if (folds(c1, to: 0x72) && folds(c2, to: 0x65)) || (folds(c1, to: 0x76) && folds(c2, to: 0x65))
                    || (folds(c1, to: 0x6C) && folds(c2, to: 0x6C)) { return i + 3 }
            }
        }
        // 2. [^\r\n\p{L}\p{N}]?\p{L}+
        if t.isLetter(i) { return t.run(from: i, while: t.isLetter) }
        let cls = t.classes[i]
        if i + 1 < n, cls.isDisjoint(with: [.newline, .letter, .number]), t.isLetter(i + 1) {
            return t.run(from: i + 1, while: t.isLetter)
        }
        // 3. \p{N}{1,maxDigits}
        if t.isNumber(i) {
            var j = i + 1
            while j < n && j - i < maxDigits && t.isNumber(j) { j += 1 }
            return j
        }
        // 4.  ?[^\s\p{L}\p{N}]+[\r\n]*
        var otherStart = -1
        if t.isOther(i) { otherStart = i } else if c == 0x20, i + 1 < n, t.isOther(i + 1) { otherStart = i + 1 }
        if otherStart >= 0 {
            let j = t.run(from: otherStart, while: t.isOther)
            return t.run(from: j) { t.classes[$0].contains(.newline) }
        }
        // 5. \s*[\r\n]+ : the match ends just after the last \r or \n of the whitespace run.
        let j = t.run(from: i, while: t.isSpace)
        var k = j - 1
        while k >= i && !t.classes[k].contains(.newline) { k -= 1 }
        if k >= i { return k + 1 }
        // 6. \s+(?!\S) then 7. \s+
        return t.whitespaceEnd(from: i, runEnd: j)
    }
}

/// A literal string pattern (`{"String": ...}`).
struct LiteralMatcher: SplitMatcher {
    let literal: [UInt8]

    func matches(in text: ArraySlice<UInt8>) -> [Range<Int>] {
        guard !literal.isEmpty, literal.count <= text.count else { return [] }
        var out: [Range<Int>] = []
        let base = text.startIndex
        var i = base
        let last = text.endIndex - literal.count
        let first = literal[0]
        while i <= last {
            if text[i] == first && text[i..<(i + literal.count)].elementsEqual(literal) {
                out.append((i - base)..<(i - base + literal.count))
                i += literal.count
            } else {
                i += 1
            }
        }
        return out
    }
}

/// Any other regex, through NSRegularExpression (ICU). Offsets are converted from UTF-16 to UTF-8.
final class FoundationRegexMatcher: SplitMatcher, @unchecked Sendable {
    // NSRegularExpression is documented as safe to use from several threads at once.
    private let regex: NSRegularExpression

    init(pattern: String) throws {
        do {
            regex = try NSRegularExpression(pattern: pattern, options: [])
        } catch {
            throw TokenizerError.invalidPattern(pattern)
        }
    }

    func matches(in text: ArraySlice<UInt8>) -> [Range<Int>] {
        let string = String(decoding: text, as: UTF8.self)
        // UTF-16 offset -> UTF-8 offset, for every scalar boundary.
        var utf16ToUTF8: [Int: Int] = [0: 0]
        var u16 = 0, u8 = 0
        for scalar in string.unicodeScalars {
            u16 += scalar.utf16.count
            u8 += scalar.utf8.count
            utf16ToUTF8[u16] = u8
        }
        let ns = string as NSString
        var out: [Range<Int>] = []
        for match in regex.matches(in: string, options: [], range: NSRange(location: 0, length: ns.length)) {
            let r = match.range
            guard r.length > 0, let lo = utf16ToUTF8[r.location], let hi = utf16ToUTF8[r.location + r.length] else { continue }
            out.append(lo..<hi)
        }
        return out
    }
}
