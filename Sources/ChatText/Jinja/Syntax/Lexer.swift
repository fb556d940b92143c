/// One token of a template, as Jinja2's lexer yields it (comments and whitespace dropped).
struct Token {
    enum Kind: Equatable {
        case data, variableBegin, variableEnd, blockBegin, blockEnd
        case name, string, integer, float, op, eof
    }
    var kind: Kind
    var value: String
    var line: Int
    var intValue: Int = 0
    var doubleValue: Double = 0

    /// How Jinja2's `describe_token` names this token in error messages.
    var described: String {
        switch kind {
        case .name, .op: return value
        default: return Token.describe(kind)
        }
    }

    static func describe(_ kind: Kind) -> String {
        switch kind {
        case .data: return "template data / text"
        case .variableBegin: return "begin of print statement"
        case .variableEnd: return "end of print statement"
        case .blockBegin: return "begin of statement block"
        case .blockEnd: return "end of statement block"
        case .name: return "name"
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .op: return "operator"
        case .eof: return "end of template"
        }
    }
}

/// Splits template source into tokens with Jinja2's rules for `trim_blocks=True` and
/// `lstrip_blocks=True`: a block or comment tag swallows the single newline after it, and spaces
/// and tabs (any whitespace but a newline) between a line start and a block or comment tag are
/// dropped; `-` on a tag side strips all whitespace on that side, `+` keeps it.
struct Lexer {
    private let src: [Unicode.Scalar]
    private var pos = 0
    private var line = 1
    private var tokens: [Token] = []
    /// Whether the last match ended with a newline (or nothing was matched yet).
    private var lineStarting = true

    init(_ source: String) {
        // Jinja2 normalises \r\n and \r to \n and drops one trailing newline.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var it = Array(source.unicodeScalars)
        var i = 0
        while i < it.count {
            if it[i] == "\r" {
                scalars.append("\n")
                if i + 1 < it.count, it[i + 1] == "\n" { i += 1 }
            } else { scalars.append(it[i]) }
            i += 1
        }
        it.removeAll()
        if scalars.last == "\n" { scalars.removeLast() }
        src = scalars
    }

    static func tokenize(_ source: String) throws -> [Token] {
        let result = tokenizeLazily(source)
        if let error = result.error { throw error }
        return result.tokens
    }

    /// Jinja2 lexes lazily, so a parse error before a lexing error wins. This returns the tokens
    /// up to the lexing error (ended by an eof token) and the error, for the parser to decide.
    static func tokenizeLazily(_ source: String) -> (tokens: [Token], error: TemplateError?) {
        var lexer = Lexer(source)
        do {
            try lexer.run()
            return (lexer.tokens, nil)
        } catch let error as TemplateError {
            lexer.tokens.append(Token(kind: .eof, value: "", line: lexer.line))
            return (lexer.tokens, error)
        } catch {
            return (lexer.tokens, .syntax("\(error)", line: lexer.line))
        }
    }

    private func fail(_ message: String) -> TemplateError { .syntax(message, line: line) }

    private func at(_ i: Int, _ s: String) -> Bool {
        var j = i
        for c in s.unicodeScalars {
            guard j < src.count, src[j] == c else { return false }
            j += 1
        }
        return true
    }

    private func isSpace(_ c: Unicode.Scalar) -> Bool { PyFormat.isSpace(c) }

    private func count(newlinesIn scalars: ArraySlice<Unicode.Scalar>) -> Int { scalars.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) } }

    private mutating func emit(_ kind: Token.Kind, _ value: String, line l: Int? = nil) {
        tokens.append(Token(kind: kind, value: value, line: l ?? line))
    }

    /// Strips the text before a tag as Jinja2's OptionalLStrip does and emits it as data.
    private mutating func emitText(_ start: Int, _ end: Int, sign: Unicode.Scalar?, lstrip: Bool) {
        var textEnd = end
        var strippedNewlines = 0
        if sign == "-" {
            while textEnd > start, isSpace(src[textEnd - 1]) { textEnd -= 1 }
            strippedNewlines = count(newlinesIn: src[textEnd..<end])
        } else if sign != "+" && lstrip {
            var lineStart = end
            while lineStart > start, src[lineStart - 1] != "\n" { lineStart -= 1 }
            if lineStart > start || lineStarting {
                // Only whitespace (at least one character) between the line start and the tag.
                if lineStart < end, src[lineStart..<end].allSatisfy(isSpace) { textEnd = lineStart }
            }
        }
        if textEnd > start {
            emit(.data, String(String.UnicodeScalarView(src[start..<textEnd])))
        }
        line += count(newlinesIn: src[start..<textEnd]) + strippedNewlines
    }

    private mutating func run() throws {
        while pos < src.count {
            // Find the next tag opener.
            var i = pos
            var found: Int? = nil
            while i + 1 < src.count {
                if src[i] == "{", src[i + 1] == "{" || src[i + 1] == "%" || src[i + 1] == "#" { found = i; break }
                i += 1
            }
            guard let tagStart = found else {
                emit(.data, String(String.UnicodeScalarView(src[pos...])))
                pos = src.count
                break
            }
            let kindChar = src[tagStart + 1]
            var after = tagStart + 2
            var sign: Unicode.Scalar? = nil
            if after < src.count, src[after] == "-" || src[after] == "+" { sign = src[after]; after += 1 }

            if kindChar == "%", let rawEnd = matchRawBegin(after) {
                emitText(pos, tagStart, sign: sign, lstrip: true)
                line += count(newlinesIn: src[tagStart..<rawEnd])
                lineStarting = src[rawEnd - 1] == "\n"
                pos = rawEnd
                try lexRawBody()
                continue
            }
            emitText(pos, tagStart, sign: sign, lstrip: kindChar != "{")
            pos = after
            lineStarting = false
            switch kindChar {
            case "#": try lexComment()
            case "%":
                emit(.blockBegin, "{%")
                try lexTag(block: true)
            default:
                emit(.variableBegin, "{{")
                try lexTag(block: false)
            }
        }
        tokens.append(Token(kind: .eof, value: "", line: line))
    }

    /// Matches `\s*raw\s*(-%}\s*|%})` after `{%`; returns the end position.
    private func matchRawBegin(_ start: Int) -> Int? {
        var i = start
        while i < src.count, isSpace(src[i]) { i += 1 }
        guard at(i, "raw") else { return nil }
        i += 3
        while i < src.count, isSpace(src[i]) { i += 1 }
        if at(i, "-%}") {
            i += 3
            while i < src.count, isSpace(src[i]) { i += 1 }
            return i
        }
        if at(i, "%}") { return i + 2 }
        return nil
    }

    private mutating func lexRawBody() throws {
        // Find `{%(-|+|)\s*endraw\s*(+%}|-%}\s*|%}\n?)`.
        var i = pos
        while i + 1 < src.count {
            if src[i] == "{", src[i + 1] == "%" {
                var j = i + 2
                var sign: Unicode.Scalar? = nil
                if j < src.count, src[j] == "-" || src[j] == "+" { sign = src[j]; j += 1 }
                while j < src.count, isSpace(src[j]) { j += 1 }
                if at(j, "endraw") {
                    j += 6
                    while j < src.count, isSpace(src[j]) { j += 1 }
                    var end: Int? = nil
                    if at(j, "+%}") { end = j + 3 }
                    else if at(j, "-%}") {
                        end = j + 3
                        while end! < src.count, isSpace(src[end!]) { end! += 1 }
                    } else if at(j, "%}") {
                        end = j + 2
                        if end! < src.count, src[end!] == "\n" { end! += 1 }
                    }
                    if let end {
                        emitText(pos, i, sign: sign, lstrip: true)
                        line += count(newlinesIn: src[i..<end])
                        lineStarting = src[end - 1] == "\n"
                        pos = end
                        return
                    }
                }
            }
            i += 1
        }
        throw fail("Missing end of raw directive")
    }

    private mutating func lexComment() throws {
        var i = pos
        while i + 1 < src.count {
            var end: Int? = nil
            if (src[i] == "-" || src[i] == "+"), i + 2 < src.count, src[i + 1] == "#", src[i + 2] == "}" {
                end = i + 3
                if src[i] == "-" { while end! < src.count, isSpace(src[end!]) { end! += 1 } }
            } else if src[i] == "#", src[i + 1] == "}" {
                end = i + 2
                if end! < src.count, src[end!] == "\n" { end! += 1 }
            }
            if let end {
                line += count(newlinesIn: src[pos..<end])
                lineStarting = src[end - 1] == "\n"
                pos = end
                return
            }
            i += 1
        }
        throw fail("Missing end of comment tag")
    }

    private static let operators2 = ["//", "**", "==", "!=", ">=", "<="]
    private static let operators1: Set<Unicode.Scalar> = ["+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"]

    private mutating func lexTag(block: Bool) throws {
        var balance: [Unicode.Scalar] = []
        while true {
            guard pos < src.count else {
                // Jinja2 reports the unclosed tag when the parser reaches the end.
                return
            }
            // End of tag (only when brackets are balanced).
            if balance.isEmpty {
                if block {
                    if at(pos, "+%}") { emit(.blockEnd, "%}"); pos += 3; lineStarting = false; return }
                    if at(pos, "-%}") {
                        emit(.blockEnd, "%}")
                        pos += 3
                        let s = pos
                        while pos < src.count, isSpace(src[pos]) { pos += 1 }
                        line += count(newlinesIn: src[s..<pos])
                        lineStarting = pos > s ? src[pos - 1] == "\n" : false
                        return
                    }
                    if at(pos, "%}") {
                        emit(.blockEnd, "%}")
                        pos += 2
                        lineStarting = false
                        if pos < src.count, src[pos] == "\n" { pos += 1; line += 1; lineStarting = true }
                        return
                    }
                } else {
                    if at(pos, "-}}") {
                        emit(.variableEnd, "}}")
                        pos += 3
                        let s = pos
                        while pos < src.count, isSpace(src[pos]) { pos += 1 }
                        line += count(newlinesIn: src[s..<pos])
                        lineStarting = pos > s ? src[pos - 1] == "\n" : false
                        return
                    }
                    if at(pos, "}}") { emit(.variableEnd, "}}"); pos += 2; lineStarting = false; return }
                }
            }
            let c = src[pos]
            if isSpace(c) {
                let s = pos
                while pos < src.count, isSpace(src[pos]) { pos += 1 }
                line += count(newlinesIn: src[s..<pos])
                continue
            }
            if Lexer.isDigit(c) {
                try lexNumber()
                continue
            }
            if c == "_" || c.properties.isXIDStart {
                let s = pos
                while pos < src.count, src[pos] == "_" || src[pos].properties.isXIDContinue { pos += 1 }
                emit(.name, String(String.UnicodeScalarView(src[s..<pos])))
                continue
            }
            if c == "'" || c == "\"" {
                try lexString(quote: c)
                continue
            }
            var op: String? = nil
            for o in Lexer.operators2 where at(pos, o) { op = o; break }
            if op == nil, Lexer.operators1.contains(c) { op = String(c) }
            guard let op else { throw fail("unexpected char \(PyFormat.stringRepr(String(c))) at \(pos)") }
            switch op {
            case "{": balance.append("}")
            case "(": balance.append(")")
            case "[": balance.append("]")
            case "}", ")", "]":
                guard let expected = balance.popLast() else { throw fail("unexpected '\(op)'") }
                if String(expected) != op { throw fail("unexpected '\(op)', expected '\(expected)'") }
            default: break
            }
            emit(.op, op)
            pos += op.unicodeScalars.count
        }
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }

    private mutating func lexNumber() throws {
        let s = pos
        func digits() { while pos < src.count, Lexer.isDigit(src[pos]) || src[pos] == "_" { pos += 1 } }
        digits()
        var isFloat = false
        if pos + 1 < src.count, src[pos] == ".", Lexer.isDigit(src[pos + 1]) {
            isFloat = true
            pos += 1
            digits()
        }
        if pos < src.count, src[pos] == "e" || src[pos] == "E" {
            var j = pos + 1
            if j < src.count, src[j] == "+" || src[j] == "-" { j += 1 }
            if j < src.count, Lexer.isDigit(src[j]) {
                isFloat = true
                pos = j
                digits()
            }
        }
        let text = String(String.UnicodeScalarView(src[s..<pos])).replacingOccurrences(of: "_", with: "")
        if isFloat {
            var t = Token(kind: .float, value: text, line: line)
            t.doubleValue = Double(text) ?? 0
            tokens.append(t)
        } else {
            guard let v = Int(text) else { throw fail("integer literal \(text) is too large") }
            var t = Token(kind: .integer, value: text, line: line)
            t.intValue = v
            tokens.append(t)
        }
    }

    /// Reads a quoted string and decodes it as Python's `unicode-escape` codec does.
    private mutating func lexString(quote: Unicode.Scalar) throws {
        let startLine = line
        var i = pos + 1
        var raw: [Unicode.Scalar] = []
        while true {
            guard i < src.count else { throw fail("unexpected char \(PyFormat.stringRepr(String(quote))) at \(pos)") }
            let c = src[i]
            if c == quote { break }
            if c == "\\", i + 1 < src.count { raw.append(c); raw.append(src[i + 1]); i += 2; continue }
            raw.append(c)
            i += 1
        }
        line += raw.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
        pos = i + 1
        tokens.append(Token(kind: .string, value: Lexer.unescape(raw), line: startLine))
    }

    static func unescape(_ raw: [Unicode.Scalar]) -> String {
        var out = String.UnicodeScalarView()
        var i = 0
        func hexValue(_ start: Int, _ n: Int) -> UInt32? {
            guard start + n <= raw.count else { return nil }
            return UInt32(String(String.UnicodeScalarView(raw[start..<start + n])), radix: 16)
        }
        while i < raw.count {
            let c = raw[i]
            guard c == "\\", i + 1 < raw.count else { out.append(c); i += 1; continue }
            let e = raw[i + 1]
            i += 2
            switch e {
            case "\n": break
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "x", "u", "U":
                let n = e == "x" ? 2 : (e == "u" ? 4 : 8)
                if let v = hexValue(i, n), let s = Unicode.Scalar(v) { out.append(s); i += n }
                else { out.append("\\"); out.append(e) }
            case "0"..."7":
                var v = e.value - 48
                var k = 0
                while k < 2, i < raw.count, ("0"..."7").contains(raw[i]) { v = v * 8 + raw[i].value - 48; i += 1; k += 1 }
                out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            default:
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }
}
