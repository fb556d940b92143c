import Foundation
import WinnowJSON

/// Python's `str()`, `repr()` and `json.dumps()` of template values, byte for byte.
enum PyFormat {
    /// `str(value)` as Jinja2 prints it into the output (`Undefined` prints as "").
    static func str(_ value: JValue) -> String {
        switch value {
        case let .string(s): return s
        case .undefined: return ""
        default: return repr(value)
        }
    }

    /// `repr(value)`.
    static func repr(_ value: JValue) -> String {
        switch value {
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .double(d): return floatRepr(d)
        case let .string(s): return stringRepr(s)
        case let .list(items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case let .tuple(items):
            if items.count == 1 { return "(" + repr(items[0]) + ",)" }
            return "(" + items.map(repr).joined(separator: ", ") + ")"
        case let .dict(d):
            return "{" + d.pairs.map { stringRepr($0.0) + ": " + repr($0.1) }.joined(separator: ", ") + "}"
        case .undefined: return "Undefined"
        case let .namespace(ns): return "<Namespace " + repr(.dict(ns.attributes)) + ">"
        case let .function(f):
            if f.macroArguments != nil { return "<Macro \(stringRepr(f.name))>" }
            return "<function \(f.name)>"
        case .loop: return "<LoopContext>"
        }
    }

    /// jinja2.utils.object_type_repr.
    static func objectTypeRepr(_ value: JValue) -> String {
        switch value {
        case .none: return "None"
        case .namespace: return "transformers.utils.chat_template_utils.TemplateNamespace object"
        case .undefined: return "jinja2.runtime.Undefined object"
        case .loop: return "jinja2.runtime.LoopContext object"
        case let .function(f): return f.macroArguments == nil ? "function object" : "jinja2.runtime.Macro object"
        default: return "\(value.typeName) object"
        }
    }

    /// Python's float repr (shared with the JSON writer, which `json.dumps` output must match).
    static func floatRepr(_ d: Double) -> String { PythonFloat.repr(d) }

    /// Whether Python's `str.isprintable()` holds for this scalar.
    static func isPrintable(_ s: Unicode.Scalar) -> Bool {
        if s == " " { return true }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default: return true
        }
    }

    /// Python's `repr(str)`.
    static func stringRepr(_ s: String) -> String {
        let quote: Unicode.Scalar = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
        var out = String(quote)
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c == quote { out += "\\" + String(c) }
                else if isPrintable(c) { out.unicodeScalars.append(c) }
                else if c.value < 0x100 { out += "\\x" + hex(c.value, 2) }
                else if c.value < 0x10000 { out += "\\u" + hex(c.value, 4) }
                else { out += "\\U" + hex(c.value, 8) }
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    static func hex(_ v: UInt32, _ width: Int) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }

    /// The JSON layout options of `json.dumps`.
    struct JSONOptions {
        var ensureASCII = false
        var indent: String? = nil
        var itemSeparator: String? = nil
        var keySeparator: String? = nil
        var sortKeys = false
    }

    /// `json.dumps(value, ...)`: the template value as JSON data, through the shared writer.
    static func json(_ value: JValue, _ options: JSONOptions) throws -> String {
        let writer = JSONWriter.python(ensureASCII: options.ensureASCII, indent: options.indent,
                                       itemSeparator: options.itemSeparator, keySeparator: options.keySeparator,
                                       sortKeys: options.sortKeys)
        return writer.string(try jsonValue(value))
    }

    /// The JSON data of a template value: tuples are arrays as in Python; namespaces, functions,
    /// loops and Undefined are "not JSON serializable".
    static func jsonValue(_ v: JValue) throws -> JSONValue {
        switch v {
        case .none: return .null
        case let .bool(b): return .bool(b)
        case let .int(i): return .int(i)
        case let .double(d): return .double(d)
        case let .string(s): return .string(s)
        case let .list(items), let .tuple(items): return .array(try items.map(jsonValue))
        case let .dict(d):
            var object = JSONObject(minimumCapacity: d.count)
            for (key, item) in d.pairs { object[key] = try jsonValue(item) }
            return .object(object)
        default:
            throw TemplateError.typeError("Object of type \(v.typeName) is not JSON serializable")
        }
    }

    /// Python's `str.isspace()` per character.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default: return false
        }
    }

    /// Python's `str.splitlines()` (without keepends).
    static func splitLines(_ s: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var iterator = Array(s.unicodeScalars)
        var i = 0
        while i < iterator.count {
            let c = iterator[i]
            switch c.value {
            case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                lines.append(String(current))
                current = String.UnicodeScalarView()
                if c.value == 0x0D, i + 1 < iterator.count, iterator[i + 1].value == 0x0A { i += 1 }
            default: current.append(c)
            }
            i += 1
        }
        if !current.isEmpty { lines.append(String(current)) }
        iterator.removeAll()
        return lines
    }
}
