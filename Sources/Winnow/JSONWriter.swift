import Foundation
import Jinja

/// Writes the JSON of output records by hand, so field order is stable and readable and
/// passthrough metadata keeps the key order it arrived with.
enum JSONWriter {
    /// An object built field by field, in order.
    struct Object {
        private var fields: [String] = []

        mutating func add(_ key: String, raw json: String) { fields.append("\(JSONWriter.string(key)):\(json)") }
        mutating func add(_ key: String, string: String) { add(key, raw: JSONWriter.string(string)) }
        mutating func add(_ key: String, int: Int) { add(key, raw: String(int)) }
        mutating func add(_ key: String, float: Float) { add(key, raw: JSONWriter.number(float)) }
        mutating func add(_ key: String, double: Double) { add(key, raw: JSONWriter.number(double)) }

        var text: String { "{" + fields.joined(separator: ",") + "}" }
    }

    static func string(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Floats print with the shortest round-tripping digits; JSON has no NaN or infinity, so
    /// those become null (the scorer dead-letters non-finite scores before it gets here).
    static func number(_ value: Float) -> String { value.isFinite ? "\(value)" : "null" }
    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    static func value(_ value: Value) -> String {
        switch value {
        case .string(let s): return string(s)
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .bool(let b): return b ? "true" : "false"
        case .none: return "null"
        case .array(let items): return "[" + items.map(Self.value).joined(separator: ",") + "]"
        case .object(let object):
            return "{" + object.map { "\(string($0.key)):\(Self.value($0.value))" }.joined(separator: ",") + "}"
        }
    }

    static func source(_ source: RecordSource) -> String {
        var out = Object()
        out.add("topic", string: source.topic)
        out.add("partition", int: Int(source.partition))
        out.add("offset", raw: String(source.offset))
        return out.text
    }
}
