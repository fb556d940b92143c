/// A strict RFC 8259 reader that keeps object key order and every string's exact scalars.
///
/// Why our own and not JSONSerialization or Codable: those hand back Swift `String`-keyed
/// dictionaries (unordered, and keys merged by canonical equivalence), lose integer vs float,
/// and parse a record twice when a caller needs both the typed fields and the raw metadata.
/// Hostile input ends in a `JSONError` with the byte offset, never a trap or a stack overflow.
public struct JSONReader: Sendable {
    /// What to do with a number too large for a double (`1e999`).
    public enum NonFiniteNumbers: Sendable {
        /// Read it as ±infinity, as Python's `json` does (a consumer then refuses it by name).
        case infinity
        /// Refuse it ("number out of range"), as serde_json does: tokenizer.json never means it.
        case reject
    }

    /// The deepest nesting of arrays and objects accepted; deeper input is "nesting too deep"
    /// (the reader recurses, and this keeps it far from the stack's end).
    public static let maximumDepth = 512

    /// How numbers beyond `Double` are handled.
    public var nonFiniteNumbers: NonFiniteNumbers

    public init(nonFiniteNumbers: NonFiniteNumbers = .infinity) { self.nonFiniteNumbers = nonFiniteNumbers }

    /// Reads one JSON value (with optional surrounding whitespace) from UTF-8 bytes.
    public func read(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        // The standard library's buffer accessors rethrow untyped errors: carry a Result out.
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in Result { () throws(JSONError) in try read(buffer) } }) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer { buffer in Result { () throws(JSONError) in try read(buffer) } }.get()
    }

    /// Reads one JSON value from a string's UTF-8.
    public func read(_ text: String) throws(JSONError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in Result { () throws(JSONError) in try read(buffer) } }.get()
    }

    private func read(_ buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue {
        var parser = Parser(bytes: buffer, nonFinite: nonFiniteNumbers)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.pos == buffer.count else { throw parser.fail("trailing characters") }
        return value
    }
}

extension JSONValue {
    /// Parses JSON text (±infinity for `1e999`, as Python).
    public init(json text: String) throws(JSONError) { self = try JSONReader().read(text) }

    /// Parses JSON bytes (±infinity for `1e999`, as Python).
    public init(jsonBytes bytes: some Collection<UInt8>) throws(JSONError) { self = try JSONReader().read(bytes) }
}

/// The recursive-descent parser over one buffer; lives only for one `read`.
private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let nonFinite: JSONReader.NonFiniteNumbers
    var pos = 0
    /// Reused for strings with escapes, so each does not allocate its own buffer.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, nonFinite: JSONReader.NonFiniteNumbers) {
        self.bytes = bytes
        self.nonFinite = nonFinite
    }

    func fail(_ message: String) -> JSONError { .syntax(message, offset: pos) }

    mutating func skipSpace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < JSONReader.maximumDepth else { throw fail("nesting too deep") }
        guard pos < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        guard pos + count <= bytes.count else { throw fail("unexpected character") }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for i in 0..<count where bytes[pos + i] != expected[i] { throw fail("unexpected character") }
        pos += count
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        pos += 1
        var object = JSONObject()
        skipSpace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(object) }
        while true {
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try string()
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            pos += 1
            skipSpace()
            object.set(JSONKey(key), try value(depth: depth + 1))
            skipSpace()
            guard pos < bytes.count else { throw fail("unexpected end of input") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(object) }
            throw fail("expected ',' or '}'")
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        pos += 1
        var items: [JSONValue] = []
        skipSpace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard pos < bytes.count else { throw fail("unexpected end of input") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            throw fail("expected ',' or ']'")
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, nothing looser.
    mutating func number() throws(JSONError) -> JSONValue {
        let start = pos
        var negative = false
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { negative = true; pos += 1 }
        let digitsStart = pos
        guard pos < bytes.count, Self.isDigit(bytes[pos]) else {
            throw fail(pos == start ? "unexpected character" : "invalid number")
        }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count, Self.isDigit(bytes[pos]) { throw fail("invalid number: leading zero") }
        } else {
            while pos < bytes.count, Self.isDigit(bytes[pos]) { pos += 1 }
        }
        let integerDigits = pos - digitsStart
        var isFloat = false
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isFloat = true
            pos += 1
            guard pos < bytes.count, Self.isDigit(bytes[pos]) else { throw fail("invalid number: digit expected after '.'") }
            while pos < bytes.count, Self.isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            isFloat = true
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, Self.isDigit(bytes[pos]) else { throw fail("invalid number: digit expected in exponent") }
            while pos < bytes.count, Self.isDigit(bytes[pos]) { pos += 1 }
        }
        if !isFloat {
            // Up to 18 digits cannot overflow Int64: the common case (ids, counts) without text.
            if integerDigits <= 18 {
                var magnitude = 0
                for i in digitsStart..<pos { magnitude = magnitude &* 10 &+ Int(bytes[i] &- 0x30) }
                return .int(negative ? -magnitude : magnitude)
            }
            if let exact = Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)) {
                return .int(exact)
            }
        }
        // The grammar above is a subset of what Double(String) parses, so this never fails.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let double = Double(text) else { throw fail("invalid number") }
        if !double.isFinite, nonFinite == .reject {
            pos = start
            throw fail("number out of range")
        }
        return .double(double)
    }

    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }

    mutating func string() throws(JSONError) -> String {
        pos += 1  // the opening quote
        let start = pos
        // Fast path: most strings have no escape; make the String straight from the input bytes.
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<pos])
                pos += 1
                return try Self.validated(raw, at: start, self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in string") }
            pos += 1
        }
        guard pos < bytes.count else { throw fail("unterminated string") }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while true {
            guard pos < bytes.count else { throw fail("unterminated string") }
            let c = bytes[pos]
            pos += 1
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { pos -= 1; throw fail("control character in string") }
            if c != UInt8(ascii: "\\") { scratch.append(c); continue }
            guard pos < bytes.count else { throw fail("unterminated string") }
            let escape = bytes[pos]
            pos += 1
            switch escape {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), pos + 6 <= bytes.count,
                   bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                    let save = pos
                    pos += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        pos = save  // the second escape is read again on its own
                    }
                }
                // A lone surrogate cannot be a Unicode scalar (nor live in a Swift String); it
                // becomes U+FFFD, as both readers before this module did.
                Self.appendUTF8(Unicode.Scalar(code) ?? "\u{FFFD}", to: &scratch)
            default:
                pos -= 1
                throw fail("invalid escape")
            }
        }
        let text = scratch
        return try text.withUnsafeBufferPointer { (raw) throws(JSONError) -> String in try Self.validated(raw, at: start, self) }
    }

    /// Invalid UTF-8 is refused, not repaired (as serde_json and Python's json on bytes do): a
    /// repaired vocabulary entry would silently map different bytes to an id.
    static func validated(_ raw: UnsafeBufferPointer<UInt8>, at start: Int, _ parser: Parser) throws(JSONError) -> String {
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw .syntax("invalid UTF-8 in string", offset: start)
        }
        return text
    }

    static func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        for unit in UTF8.encode(scalar)! { out.append(unit) }
    }
}
