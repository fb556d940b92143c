/// The one JSON writer: compact output for records, and Python `json.dumps` layout (separators,
/// indent, sort_keys, ensure_ascii) for Jinja's `tojson`.
public struct JSONWriter: Sendable {
    /// What to write for NaN and ±infinity, which JSON has no syntax for.
    public enum NonFiniteNumbers: Sendable {
        /// `null` (records: a policy refuses non-finite scores before they get here).
        case null
        /// `NaN`, `Infinity`, `-Infinity`, as Python's `json.dumps` (allow_nan=True) does.
        case pythonLiterals
    }

    /// Between array elements / object members. Compact `,`; Python's default `, ` (`,` with indent).
    public var itemSeparator: String
    /// Between a key and its value. Compact `:`; Python's default `: `.
    public var keySeparator: String
    /// Each nesting level's indent, nil for one line (Python's `indent`).
    public var indent: String?
    /// Escape every scalar outside printable ASCII as `\uXXXX` (surrogate pairs above U+FFFF).
    public var ensureASCII: Bool
    /// Members in key order (by Unicode scalars, as Python sorts str) instead of insertion order.
    public var sortKeys: Bool
    /// NaN and infinity.
    public var nonFiniteNumbers: NonFiniteNumbers

    public init(itemSeparator: String = ",", keySeparator: String = ":", indent: String? = nil,
                ensureASCII: Bool = false, sortKeys: Bool = false, nonFiniteNumbers: NonFiniteNumbers = .null) {
        self.itemSeparator = itemSeparator
        self.keySeparator = keySeparator
        self.indent = indent
        self.ensureASCII = ensureASCII
        self.sortKeys = sortKeys
        self.nonFiniteNumbers = nonFiniteNumbers
    }

    /// `{"a":1,"b":[2,3]}`: records on Kafka, JSONL output, HTTP bodies.
    public static let compact = JSONWriter()

    /// Python's `json.dumps(value, ensure_ascii=..., indent=..., separators=..., sort_keys=...)`;
    /// nil separators take Python's defaults (`", "` or `","` when indenting, and `": "`).
    public static func python(ensureASCII: Bool = true, indent: String? = nil, itemSeparator: String? = nil,
                              keySeparator: String? = nil, sortKeys: Bool = false) -> JSONWriter {
        JSONWriter(itemSeparator: itemSeparator ?? (indent == nil ? ", " : ","), keySeparator: keySeparator ?? ": ",
                   indent: indent, ensureASCII: ensureASCII, sortKeys: sortKeys, nonFiniteNumbers: .pythonLiterals)
    }

    /// The text of `value`.
    public func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    /// Appends the text of `value` to `out`.
    public func write(_ value: JSONValue, into out: inout String) { write(value, level: 0, into: &out) }

    private func write(_ value: JSONValue, level: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += number(d)
        case .string(let s): Self.appendQuoted(s, ensureASCII: ensureASCII, to: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += itemSeparator }
                newline(level + 1, &out)
                write(item, level: level + 1, into: &out)
            }
            newline(level, &out)
            out += "]"
        case .object(let object):
            if object.isEmpty { out += "{}"; return }
            out += "{"
            var pairs = Array(object)
            if sortKeys { pairs.sort { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) } }
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += itemSeparator }
                newline(level + 1, &out)
                Self.appendQuoted(pair.key, ensureASCII: ensureASCII, to: &out)
                out += keySeparator
                write(pair.value, level: level + 1, into: &out)
            }
            newline(level, &out)
            out += "}"
        }
    }

    private func newline(_ level: Int, _ out: inout String) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    /// A double as Python's `repr` writes it; NaN and infinity per `nonFiniteNumbers`.
    public func number(_ value: Double) -> String {
        if value.isFinite { return PythonFloat.repr(value) }
        switch nonFiniteNumbers {
        case .null: return "null"
        case .pythonLiterals: return value.isNaN ? "NaN" : (value < 0 ? "-Infinity" : "Infinity")
        }
    }

    /// `s` as a JSON string literal, quotes included.
    public static func quoted(_ s: String, ensureASCII: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 2)
        appendQuoted(s, ensureASCII: ensureASCII, to: &out)
        return out
    }

    /// The one string escaper: `"` `\` and the named control escapes as Python writes them, other
    /// controls as `\u00XX`, and with `ensureASCII` everything past `~` as `\uXXXX`.
    public static func appendQuoted(_ s: String, ensureASCII: Bool, to out: inout String) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value < 0x20 {
                    appendEscape(c.value, to: &out)
                } else if ensureASCII && c.value > 0x7E {
                    if c.value >= 0x10000 {
                        let v = c.value - 0x10000
                        appendEscape(0xD800 + (v >> 10), to: &out)
                        appendEscape(0xDC00 + (v & 0x3FF), to: &out)
                    } else {
                        appendEscape(c.value, to: &out)
                    }
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        out += "\""
    }

    private static func appendEscape(_ unit: UInt32, to out: inout String) {
        let hex = String(unit, radix: 16)
        out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension JSONValue {
    /// Compact JSON text (`{"a":1}`), NaN and infinity as null.
    public var jsonText: String { JSONWriter.compact.string(self) }
}
