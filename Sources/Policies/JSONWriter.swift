import Foundation
import WinnowJinja

/// Writes the JSON of output records by hand, so field order is stable and readable and
/// passthrough metadata keeps the key order it arrived with.
public enum JSONWriter {
    /// An object built field by field, in order.
    public struct Object {
        private var fields: [String] = []

        public init() {}

        public mutating func add(_ key: String, raw json: String) { fields.append("\(JSONWriter.string(key)):\(json)") }
        public mutating func add(_ key: String, string: String) { add(key, raw: JSONWriter.string(string)) }
        public mutating func add(_ key: String, int: Int) { add(key, raw: String(int)) }
        public mutating func add(_ key: String, float: Float) { add(key, raw: JSONWriter.number(float)) }
        public mutating func add(_ key: String, double: Double) { add(key, raw: JSONWriter.number(double)) }

        public var text: String { "{" + fields.joined(separator: ",") + "}" }
    }

    public static func string(_ s: String) -> String {
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
    /// those become null (policies refuse non-finite scores, so results never hold one).
    public static func number(_ value: Float) -> String { value.isFinite ? "\(value)" : "null" }
    public static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    public static func value(_ value: Value) -> String {
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
}

extension JSONWriter {
    /// `[1,2,3]`.
    public static func array(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }
    /// `[0.5,-1.25]`, shortest round-tripping digits.
    public static func array(_ values: [Double]) -> String { "[" + values.map(number).joined(separator: ",") + "]" }
    /// An array of already-encoded JSON values.
    public static func array(raw values: [String]) -> String { "[" + values.joined(separator: ",") + "]" }
}
