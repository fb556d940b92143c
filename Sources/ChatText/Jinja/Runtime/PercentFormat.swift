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
                guard let digits = p.isEmpty ? 0 : Int(p), digits <= Operators.maxResultSize else {
                    throw TemplateError.valueError("precision too big")
                }
                precision = digits
            }
            guard width.isEmpty || Int(width).map({ $0 <= Operators.maxResultSize }) == true else {
                throw TemplateError.valueError("width too big")
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
                // A float is truncated to an integer first, exactly (1e300 prints all 301 digits).
                body = try n.asInt.map { String($0) } ?? integerDigits(n.asDouble!)
                if flags.contains("+"), !body.hasPrefix("-") { body = "+" + body } else if flags.contains(" "), !body.hasPrefix("-") { body = " " + body }
            case "f", "F", "e", "E", "g", "G":
                guard let d = v.asDouble else { throw TemplateError.typeError("must be real number, not \(v.typeName)") }
                body = String(format: "%\(flags.contains("+") ? "+" : "")\(flags.contains("#") ? "#" : "").\(precision ?? 6)\(conv)", d)
            case "x", "X", "o":
                guard let n = v.asInt else { throw TemplateError.typeError("%\(conv) format: an integer is required, not \(v.typeName)") }
                body = String(n, radix: conv == "o" ? 8 : 16, uppercase: conv == "X")
            case "c":
                if case let .string(c) = v { body = c }
                else if let n = v.asInt {
                    guard (0..<0x110000).contains(n) else { throw TemplateError.python(type: "OverflowError", message: "%c arg not in range(0x110000)", line: nil) }
                    // Surrogates are valid in a Python str but not in a Swift String.
                    body = String(Unicode.Scalar(UInt32(n)) ?? "\u{FFFD}")
                } else { throw TemplateError.typeError("%c requires int or char") }
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

    /// The decimal digits of `int(x)` for a float, exact for any magnitude, as Python prints it.
    static func integerDigits(_ x: Double) throws -> String {
        if x.isNaN { throw TemplateError.valueError("cannot convert float NaN to integer") }
        if x.isInfinite { throw TemplateError.python(type: "OverflowError", message: "cannot convert float infinity to integer", line: nil) }
        let t = x.rounded(.towardZero)
        if let i = Int(exactly: t) { return String(i) }
        // |t| >= 2**63: an integer significand times a power of two. Double it in base 10**9 limbs.
        var limbs: [UInt64] = [t.significandBitPattern | (1 << 52)]  // least significant first
        limbs = [limbs[0] % 1_000_000_000, limbs[0] / 1_000_000_000]
        for _ in 0..<(Int(t.exponent) - 52) {
            var carry: UInt64 = 0
            for k in limbs.indices {
                let v = limbs[k] * 2 + carry
                limbs[k] = v % 1_000_000_000
                carry = v / 1_000_000_000
            }
            if carry > 0 { limbs.append(carry) }
        }
        while limbs.count > 1, limbs.last == 0 { limbs.removeLast() }
        var text = String(limbs.last!)
        for limb in limbs.dropLast().reversed() {
            let digits = String(limb)
            text += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return (t < 0 ? "-" : "") + text
    }
}
