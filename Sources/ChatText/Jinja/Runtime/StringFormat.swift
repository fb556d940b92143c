/// `str.format` for the simple fields templates use: `{}`, `{0}`, `{name}`, `{name!r}`, `{{`, `}}`.
enum StringFormat {
    static func format(_ template: String, _ args: [JValue], _ kwargs: [(String, JValue)]) throws -> String {
        var out = ""
        let s = Array(template.unicodeScalars)
        var i = 0
        var autoIndex = 0
        while i < s.count {
            let c = s[i]
            if c == "{" {
                if i + 1 < s.count, s[i + 1] == "{" { out += "{"; i += 2; continue }
                guard let close = s[i...].firstIndex(of: "}") else { throw TemplateError.valueError("Single '{' encountered in format string") }
                var field = StringOps.str(s[(i + 1)..<close])
                var conversion: String? = nil
                if let bang = field.firstIndex(of: "!") {
                    conversion = String(field[field.index(after: bang)...])
                    field = String(field[..<bang])
                }
                if field.contains(":") { throw TemplateError.unsupported("format specs in str.format are not supported", line: nil) }
                let value: JValue
                if field.isEmpty {
                    guard autoIndex < args.count else { throw TemplateError.python(type: "IndexError", message: "Replacement index \(autoIndex) out of range for positional args tuple", line: nil) }
                    value = args[autoIndex]
                    autoIndex += 1
                } else if field.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let n = Int(field) {
                    guard n < args.count else { throw TemplateError.python(type: "IndexError", message: "Replacement index \(n) out of range for positional args tuple", line: nil) }
                    value = args[n]
                } else {
                    guard let v = kwargs.first(where: { $0.0 == field })?.1 else { throw TemplateError.python(type: "KeyError", message: PyFormat.stringRepr(field), line: nil) }
                    value = v
                }
                out += conversion == "r" ? PyFormat.repr(value) : PyFormat.str(value)
                i = close + 1
            } else if c == "}" {
                if i + 1 < s.count, s[i + 1] == "}" { out += "}"; i += 2; continue }
                throw TemplateError.valueError("Single '}' encountered in format string")
            } else {
                out.unicodeScalars.append(c)
                i += 1
            }
        }
        return out
    }
}
