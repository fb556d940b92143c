/// Python `str` methods, on Unicode scalars (Python strings index code points).
enum StringOps {
    typealias Scalars = [Unicode.Scalar]

    static func find(_ s: Scalars, _ sub: Scalars, from start: Int, to end: Int? = nil) -> Int? {
        let stop = min(end ?? s.count, s.count)
        if sub.isEmpty { return start <= stop ? start : nil }
        guard stop - sub.count >= start else { return nil }
        var i = max(0, start)
        while i + sub.count <= stop {
            if s[i] == sub[0] {
                var j = 1
                while j < sub.count && s[i + j] == sub[j] { j += 1 }
                if j == sub.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func rfind(_ s: Scalars, _ sub: Scalars) -> Int? {
        if sub.count > s.count { return nil }
        var i = s.count - sub.count
        while i >= 0 {
            if Array(s[i..<i + sub.count]) == sub { return i }
            i -= 1
        }
        return nil
    }

    /// Builds a String from scalars through UTF-8 (much faster than appending scalar by scalar).
    static func str<S: Sequence>(_ s: S) -> String where S.Element == Unicode.Scalar {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.underestimatedCount)
        for c in s { UTF8.encode(c) { bytes.append($0) } }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Byte offsets of `sep` in `s` (UTF-8 matching only ever matches at scalar boundaries).
    static func findBytes(_ s: [UInt8], _ p: [UInt8], from start: Int) -> Int? {
        guard !p.isEmpty, s.count >= p.count else { return p.isEmpty ? start : nil }
        let first = p[0]
        var i = start
        let last = s.count - p.count
        while i <= last {
            if s[i] == first {
                var j = 1
                while j < p.count && s[i + j] == p[j] { j += 1 }
                if j == p.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// `s.split(sep, maxsplit)`; sep nil splits on runs of whitespace.
    static func split(_ string: String, _ sep: String?, _ maxsplit: Int) throws -> [String] {
        let s = Array(string.unicodeScalars)
        var parts: [String] = []
        if let sep {
            let b = Array(string.utf8), p = Array(sep.utf8)
            if p.isEmpty { throw TemplateError.valueError("empty separator") }
            var start = 0
            var splits = 0
            while maxsplit < 0 || splits < maxsplit, let idx = findBytes(b, p, from: start) {
                parts.append(String(decoding: b[start..<idx], as: UTF8.self))
                start = idx + p.count
                splits += 1
            }
            parts.append(String(decoding: b[start...], as: UTF8.self))
            return parts
        }
        var i = 0
        var splits = 0
        while i < s.count {
            while i < s.count, PyFormat.isSpace(s[i]) { i += 1 }
            if i >= s.count { break }
            if maxsplit >= 0, splits >= maxsplit {
                var end = s.count
                while end > i, PyFormat.isSpace(s[end - 1]) { end -= 1 }
                parts.append(str(s[i..<end]))
                return parts
            }
            let start = i
            while i < s.count, !PyFormat.isSpace(s[i]) { i += 1 }
            parts.append(str(s[start..<i]))
            splits += 1
        }
        return parts
    }

    /// `s.rsplit(sep, maxsplit)`.
    static func rsplit(_ string: String, _ sep: String?, _ maxsplit: Int) throws -> [String] {
        if maxsplit < 0 { return try split(string, sep, -1) }
        let s = Array(string.unicodeScalars)
        var parts: [String] = []
        if let sep {
            let p = Array(sep.unicodeScalars)
            if p.isEmpty { throw TemplateError.valueError("empty separator") }
            var end = s.count
            var splits = 0
            while splits < maxsplit, end >= p.count {
                var found: Int? = nil
                var i = end - p.count
                while i >= 0 { if Array(s[i..<i + p.count]) == p { found = i; break }; i -= 1 }
                guard let idx = found else { break }
                parts.insert(str(s[idx + p.count..<end]), at: 0)
                end = idx
                splits += 1
            }
            parts.insert(str(s[0..<end]), at: 0)
            return parts
        }
        var i = s.count
        var splits = 0
        while i > 0 {
            while i > 0, PyFormat.isSpace(s[i - 1]) { i -= 1 }
            if i == 0 { break }
            if splits >= maxsplit {
                var start = 0
                while start < i, PyFormat.isSpace(s[start]) { start += 1 }
                parts.insert(str(s[start..<i]), at: 0)
                return parts
            }
            let end = i
            while i > 0, !PyFormat.isSpace(s[i - 1]) { i -= 1 }
            parts.insert(str(s[i..<end]), at: 0)
            splits += 1
        }
        return parts
    }

    /// `s.strip(chars)`, `lstrip`, `rstrip`.
    static func strip(_ string: String, _ chars: String?, left: Bool, right: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        func strippable(_ c: Unicode.Scalar) -> Bool { set?.contains(c) ?? PyFormat.isSpace(c) }
        let view = string.unicodeScalars
        var a = view.startIndex, b = view.endIndex
        if left { while a < b, strippable(view[a]) { a = view.index(after: a) } }
        if right {
            while b > a {
                let before = view.index(before: b)
                guard strippable(view[before]) else { break }
                b = before
            }
        }
        return String(view[a..<b])
    }

    static func replace(_ string: String, _ old: String, _ new: String, _ count: Int) -> String {
        let s = Array(string.unicodeScalars), o = Array(old.unicodeScalars), n = Array(new.unicodeScalars)
        var out: Scalars = []
        var done = 0
        if o.isEmpty {
            // Python inserts `new` between every character (and at both ends).
            for c in s {
                if count < 0 || done < count { out += n; done += 1 }
                out.append(c)
            }
            if count < 0 || done < count { out += n }
            return str(out)
        }
        var i = 0
        while i < s.count {
            if (count < 0 || done < count), i + o.count <= s.count, Array(s[i..<i + o.count]) == o {
                out += n
                i += o.count
                done += 1
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return str(out)
    }

    static func count(_ string: String, _ sub: String) -> Int {
        let s = Array(string.unicodeScalars), p = Array(sub.unicodeScalars)
        if p.isEmpty { return s.count + 1 }
        var n = 0, start = 0
        while let idx = find(s, p, from: start) { n += 1; start = idx + p.count }
        return n
    }

    static func upper(_ s: String) -> String { s.uppercased() }

    /// Python's `str.lower()`: full lower-case mappings, with capital sigma becoming final sigma
    /// at the end of a word (Swift's `lowercased()` does not do that on Linux).
    static func lower(_ string: String) -> String {
        guard string.unicodeScalars.contains("\u{03A3}") else { return string.lowercased() }
        let s = Array(string.unicodeScalars)
        var out = ""
        for (i, c) in s.enumerated() {
            if c == "\u{03A3}" {
                out += isFinalSigma(s, i) ? "\u{03C2}" : "\u{03C3}"
            } else {
                out += c.properties.lowercaseMapping
            }
        }
        return out
    }

    /// CPython's handle_capital_sigma: a cased letter before (skipping case-ignorables) and none after.
    static func isFinalSigma(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0, s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, s[j].properties.isCased else { return false }
        var k = i + 1
        while k < s.count, s[k].properties.isCaseIgnorable { k += 1 }
        return k == s.count || !s[k].properties.isCased
    }

    static func isCased(_ c: Unicode.Scalar) -> Bool { c.properties.isCased }

    /// Python `str.capitalize()`: first character title-cased, the rest lower-cased.
    static func capitalize(_ string: String) -> String {
        let s = Array(string.unicodeScalars)
        guard let first = s.first else { return "" }
        return first.properties.titlecaseMapping + lower(str(s.dropFirst()))
    }

    /// Python `str.title()`: a cased character after an uncased one starts a word.
    static func title(_ string: String) -> String {
        let s = Array(string.unicodeScalars)
        var out = ""
        var previousCased = false
        for (i, c) in s.enumerated() {
            if previousCased {
                out += c == "\u{03A3}" ? (isFinalSigma(s, i) ? "\u{03C2}" : "\u{03C3}") : c.properties.lowercaseMapping
            } else {
                out += c.properties.titlecaseMapping
            }
            previousCased = c.properties.isCased
        }
        return out
    }

}
