import Foundation

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

    /// Python's float repr: shortest round-tripping digits, scientific outside 1e-4 ..< 1e16.
    static func floatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description also prints the shortest round-tripping digits; only the layout differs.
        var text = d.description
        var negative = false
        if text.hasPrefix("-") { negative = true; text.removeFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        var intPart = text
        var fracPart = ""
        if let dot = text.firstIndex(of: ".") {
            intPart = String(text[..<dot])
            fracPart = String(text[text.index(after: dot)...])
        }
        var digits = intPart + fracPart
        var pointPos = intPart.count + exponent  // value = 0.digits * 10^pointPos
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); pointPos -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let n = digits.count
        let sciExp = pointPos - 1
        var out: String
        if sciExp >= -4 && sciExp < 16 {
            if pointPos <= 0 {
                out = "0." + String(repeating: "0", count: -pointPos) + digits
            } else if pointPos >= n {
                out = digits + String(repeating: "0", count: pointPos - n) + ".0"
            } else {
                let idx = digits.index(digits.startIndex, offsetBy: pointPos)
                out = String(digits[..<idx]) + "." + String(digits[idx...])
            }
        } else {
            out = String(digits.first!)
            if n > 1 { out += "." + digits.dropFirst() }
            let mag = abs(sciExp)
            out += "e" + (sciExp < 0 ? "-" : "+") + (mag < 10 ? "0" : "") + String(mag)
        }
        return negative ? "-" + out : out
    }

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

    /// `json.dumps(value, ...)`.
    static func json(_ value: JValue, _ options: JSONOptions) throws -> String {
        let itemSep = options.itemSeparator ?? (options.indent == nil ? ", " : ",")
        let keySep = options.keySeparator ?? ": "
        var out = ""
        func write(_ v: JValue, _ level: Int) throws {
            switch v {
            case .none: out += "null"
            case let .bool(b): out += b ? "true" : "false"
            case let .int(i): out += String(i)
            case let .double(d):
                if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" }
                else { out += floatRepr(d) }
            case let .string(s): out += jsonString(s, ascii: options.ensureASCII)
            case let .list(items), let .tuple(items):
                if items.isEmpty { out += "[]"; return }
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += itemSep }
                    if let ind = options.indent { out += "\n" + String(repeating: ind, count: level + 1) }
                    try write(item, level + 1)
                }
                if let ind = options.indent { out += "\n" + String(repeating: ind, count: level) }
                out += "]"
            case let .dict(d):
                if d.count == 0 { out += "{}"; return }
                out += "{"
                var pairs = d.pairs
                if options.sortKeys { pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
                for (i, (k, item)) in pairs.enumerated() {
                    if i > 0 { out += itemSep }
                    if let ind = options.indent { out += "\n" + String(repeating: ind, count: level + 1) }
                    out += jsonString(k, ascii: options.ensureASCII) + keySep
                    try write(item, level + 1)
                }
                if let ind = options.indent { out += "\n" + String(repeating: ind, count: level) }
                out += "}"
            default:
                throw TemplateError.typeError("Object of type \(v.typeName) is not JSON serializable")
            }
        }
        try write(value, 0)
        return out
    }

    static func jsonString(_ s: String, ascii: Bool) -> String {
        var out = "\""
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
                if c.value < 0x20 { out += "\\u" + hex(c.value, 4) }
                else if ascii && c.value > 0x7E {
                    if c.value >= 0x10000 {
                        let v = c.value - 0x10000
                        out += "\\u" + hex(0xD800 + (v >> 10), 4) + "\\u" + hex(0xDC00 + (v & 0x3FF), 4)
                    } else { out += "\\u" + hex(c.value, 4) }
                } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
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
