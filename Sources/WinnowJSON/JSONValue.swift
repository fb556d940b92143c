/// A JSON value as read from and written to the wire.
///
/// Objects keep their keys in the order they arrived (Python dicts and chat templates depend on
/// it, and passthrough metadata is written back as it came). Numbers keep the integer/float
/// distinction of their text: `3` is `.int(3)`, `3.0` is `.double(3.0)`, as Python's `json` does;
/// integer text outside `Int` becomes `.double` (the nearest double), as the readers before this
/// module did. Strings hold their exact Unicode scalars.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The string payload, else nil.
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The boolean payload, else nil.
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The elements of an array, else nil.
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The members of an object, else nil.
    public var object: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    /// Whether this is `null`.
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// A whole number: an `.int`, or a `.double` with no fraction below 9e15 (where every
    /// integer is still exact), else nil. `5.0` counts as 5, as the tokenizer reader always took it.
    public var int: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9.0e15: return Int(d)
        default: return nil
        }
    }

    /// Any number as a double (an `.int` converted), else nil.
    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The value of `key` in an object (keys compared byte for byte), else nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] } else { return nil }
    }

    /// The element at `index` of an array, else nil (also when out of range).
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }

    /// A `Float` as the number its shortest decimal digits name, so `Float(0.1)` is written as
    /// `0.1` and not as the `0.10000000149011612` that a plain widening to `Double` would print.
    public init(_ value: Float) {
        guard value.isFinite else { self = .double(Double(value)); return }
        self = .double(Double(value.description) ?? Double(value))
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A repeated key keeps its first position and its last value, as a Python dict literal does.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
