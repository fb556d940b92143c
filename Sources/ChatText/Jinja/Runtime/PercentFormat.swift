import Foundation

/// Python's printf-style `format % values` for the conversions templates use:
/// `%s %r %d %i %f %e %g %x %o %c %%`, with flags, width, precision and `%(name)s` keys.
enum PercentFormat {
    static func format(_ format: String, _ values: JValue) throws -> String {
        let s = Array(format.unicodeScalars)
        var args: [JValue]
        var mapping: JDict? = nil
        // CPython treats any non-tuple operand with __getitem__ (dict, list, Undefined) as a
        // mapping: it is used whole for %s and never reported as an unconverted argument.
        var mappingLike = false
        switch values {
        case let .tuple(items): args = items
        case let .dict(d): args = [values]; mapping = d; mappingLike = true
        case .list, .undefined: args = [values]; mappingLike = true
        default: args = [values]
        }
        var next = 0
        var out = ""
        var i = 0
        func take() throws -> JValue {
            guard next < args.count else { throw TemplateError.typeError("not enough arguments for format string") }
            defer { next += 1 }
            return args[next]
        }
        while i < s.count {
            guard s[i] == "%" else { out.unicodeScalars.append(s[i]); i += 1; continue }
            i += 1
            guard i < s.count else { throw TemplateError.valueError("incomplete format") }
            var value: JValue? = nil
            if s[i] == "(" {
                guard let close = s[i...].firstIndex(of: ")") else { throw TemplateError.valueError("incomplete format key") }
                let key = StringOps.str(s[(i + 1)..<close])
                if case let .undefined(u) = values { throw u.error }
                if case .list = values { throw TemplateError.typeError("list indices must be integers or slices, not str") }
                guard let mapping else { throw TemplateError.typeError("format requires a mapping") }
                guard let v = mapping[key] else { throw TemplateError.python(type: "KeyError", message: PyFormat.stringRepr(key), line: nil) }
                value = v
                i = close + 1
            }
            var flags = ""
            while i < s.count, "-+ #0".unicodeScalars.contains(s[i]) { flags.unicodeScalars.append(s[i]); i += 1 }
            var width = ""
            while i < s.count, Lexer.isDigit(s[i]) { width.unicodeScalars.append(s[i]); i += 1 }
            var precision: Int? = nil
            if i < s.count, s[i] == "." {
                i += 1
                var p = ""
                while i < s.count, Lexer.isDigit(s[i]) { p.unicodeScalars.append(s[i]); i += 1 }
                precision = Int(p) ?? 0
            }
            guard i < s.count else { throw TemplateError.valueError("incomplete format") }
            let conv = s[i]
            i += 1
            if conv == "%" { out += "%"; continue }
            let v = try value ?? take()
            if case let .undefined(u) = v, conv != "s" { throw u.error }
            var body: String
            switch conv {
            case "s": body = PyFormat.str(v); if let precision { body = String(body.unicodeScalars.prefix(precision).map(Character.init)) }
            case "r", "a": body = PyFormat.repr(v)
            case "d", "i", "u":
                guard let n = v.asNumber else { throw TemplateError.typeError("%\(conv) format: a real number is required, not \(v.typeName)") }
                let int: Int
                if case let .int(x) = n { int = x } else { int = Int(n.asDouble!.rounded(.towardZero)) }
                body = String(int)
                if flags.contains("+"), int >= 0 { body = "+" + body } else if flags.contains(" "), int >= 0 { body = " " + body }
            case "f", "F", "e", "E", "g", "G":
                guard let d = v.asDouble else { throw TemplateError.typeError("must be real number, not \(v.typeName)") }
                body = String(format: "%\(flags.contains("+") ? "+" : "")\(flags.contains("#") ? "#" : "").\(precision ?? 6)\(conv)", d)
            case "x", "X", "o":
                guard let n = v.asInt else { throw TemplateError.typeError("%\(conv) format: an integer is required, not \(v.typeName)") }
                body = String(n, radix: conv == "o" ? 8 : 16, uppercase: conv == "X")
            case "c":
                if case let .string(c) = v { body = c }
                else if let n = v.asInt, let u = Unicode.Scalar(UInt32(max(0, n))) { body = String(u) }
                else { throw TemplateError.typeError("%c requires int or char") }
            default:
                throw TemplateError.valueError("unsupported format character \(PyFormat.stringRepr(String(conv))) (0x\(String(conv.value, radix: 16))) at index \(i - 1)")
            }
            if let w = Int(width) { try Operators.checkSize(w) }
            if let w = Int(width), body.unicodeScalars.count < w {
                let pad = w - body.unicodeScalars.count
                if flags.contains("-") { body += String(repeating: " ", count: pad) }
                else if flags.contains("0"), "dfiFeEgGxXo".unicodeScalars.contains(conv) {
                    let signed = body.hasPrefix("-") || body.hasPrefix("+")
                    body = (signed ? String(body.first!) : "") + String(repeating: "0", count: pad) + (signed ? String(body.dropFirst()) : body)
                } else { body = String(repeating: " ", count: pad) + body }
            }
            out += body
        }
        if !mappingLike && next < args.count {
            throw TemplateError.typeError("not all arguments converted during string formatting")
        }
        return out
    }
}
