import Foundation

/// A value passed into a template: the JSON data model, with objects that keep their keys in
/// insertion order as Python dicts do (chat templates iterate `tool.parameters.properties` etc.,
/// and `tojson` must print keys in the order they were given).
public enum Value: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case none
    case array([Value])
    case object(OrderedObject)
}

/// A string-keyed dictionary that remembers insertion order.
public struct OrderedObject: Sendable, Equatable, Sequence {
    /// The keys in insertion order.
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    public init() {}

    /// Builds an object from pairs; a repeated key keeps its first position and its last value,
    /// as a Python dict literal does.
    public init(_ pairs: [(String, Value)]) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public func makeIterator() -> AnyIterator<(key: String, value: Value)> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            let key = keys[index]
            return (key, storage[key]!)
        }
    }

    public static func == (lhs: OrderedObject, rhs: OrderedObject) -> Bool {
        lhs.keys == rhs.keys && lhs.storage == rhs.storage
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) { self = .object(OrderedObject(elements)) }
    public init(nilLiteral: ()) { self = .none }
}

/// Why a JSON text could not become a `Value`.
public enum JSONValueError: Error, CustomStringConvertible, Equatable {
    case syntax(String, offset: Int)
    case unsupportedObject(String)

    public var description: String {
        switch self {
        case let .syntax(message, offset): return "invalid JSON at byte \(offset): \(message)"
        case let .unsupportedObject(type): return "cannot convert \(type) to a template value"
        }
    }
}

extension Value {
    /// Parses JSON text keeping object key order (Foundation's `JSONSerialization` loses it).
    public init(json text: String) throws { self = try JSONReader.parse(Array(text.utf8)) }

    /// Parses JSON bytes keeping object key order.
    public init(jsonData data: Data) throws { self = try JSONReader.parse([UInt8](data)) }

    /// Converts `JSONSerialization` output. Key order is whatever Foundation's dictionaries give
    /// (sorted here, so at least deterministic); prefer `init(json:)` where order matters.
    public init(jsonObject: Any) throws {
        switch jsonObject {
        case is NSNull: self = .none
        case let s as String: self = .string(s)
        case let n as NSNumber:
            switch String(cString: n.objCType) {
            case "c", "B": self = .bool(n.boolValue)
            case "f", "d": self = .double(n.doubleValue)
            default: self = .int(n.intValue)
            }
        case let a as [Any]: self = .array(try a.map { try Value(jsonObject: $0) })
        case let d as [String: Any]:
            var object = OrderedObject()
            for key in d.keys.sorted() { object[key] = try Value(jsonObject: d[key]!) }
            self = .object(object)
        default: throw JSONValueError.unsupportedObject(String(describing: type(of: jsonObject)))
        }
    }
}

/// A small strict JSON reader (RFC 8259) that preserves object key order.
enum JSONReader {
    static func parse(_ bytes: [UInt8]) throws -> Value {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.pos == bytes.count else { throw reader.fail("trailing characters") }
        return value
    }

    struct Reader {
        let bytes: [UInt8]
        var pos = 0

        func fail(_ message: String) -> JSONValueError { .syntax(message, offset: pos) }

        mutating func skipSpace() {
            while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
        }

        mutating func expect(_ literal: String, _ value: Value) throws -> Value {
            let lit = Array(literal.utf8)
            guard pos + lit.count <= bytes.count, Array(bytes[pos..<pos + lit.count]) == lit else {
                throw fail("unexpected character")
            }
            pos += lit.count
            return value
        }

        mutating func value(depth: Int) throws -> Value {
            guard depth < 512 else { throw fail("nesting too deep") }
            guard pos < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[pos] {
            case UInt8(ascii: "{"):
                pos += 1
                var object = OrderedObject()
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
                    object[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard pos < bytes.count else { throw fail("unexpected end of input") }
                    if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                    if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(object) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                pos += 1
                var items: [Value] = []
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
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .none)
            default: return try number()
            }
        }

        mutating func number() throws -> Value {
            let start = pos
            var isFloat = false
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            while pos < bytes.count {
                let c = bytes[pos]
                if c >= 0x30 && c <= 0x39 { pos += 1 }
                else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                    || ((c == UInt8(ascii: "+") || c == UInt8(ascii: "-")) && pos > start) { isFloat = true; pos += 1 }
                else { break }
            }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            if text.isEmpty || text == "-" { throw fail("unexpected character") }
            if !isFloat, let i = Int(text) { return .int(i) }
            guard let d = Double(text) else { throw fail("invalid number \(text)") }
            return .double(d)
        }

        mutating func hex4() throws -> UInt32 {
            // Exactly four hex digits: UInt32(_:radix:) alone would also take a sign ("\u+abc").
            guard pos + 4 <= bytes.count, bytes[pos..<pos + 4].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }),
                  let v = UInt32(String(decoding: bytes[pos..<pos + 4], as: UTF8.self), radix: 16)
            else { throw fail("invalid \\u escape") }
            pos += 4
            return v
        }

        mutating func string() throws -> String {
            pos += 1  // opening quote
            var out = [UInt8]()
            while true {
                guard pos < bytes.count else { throw fail("unterminated string") }
                let c = bytes[pos]
                pos += 1
                if c == UInt8(ascii: "\"") { break }
                if c < 0x20 { throw fail("control character in string") }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                guard pos < bytes.count else { throw fail("unterminated string") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), pos + 6 <= bytes.count,
                       bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                        let save = pos
                        pos += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else { pos = save }
                    }
                    // Lone surrogates cannot live in a Swift String; they become U+FFFD.
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("invalid escape")
                }
            }
            // RFC 8259 text is UTF-8; invalid bytes are an error, as in Python's json on bytes.
            guard let text = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
            return text
        }
    }
}
