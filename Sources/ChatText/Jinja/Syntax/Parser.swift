/// Builds the statement tree from tokens, following jinja2/parser.py method for method so that
/// precedence and error messages match.
struct Parser {
    private var tokens: [Token]
    private var i = 0
    /// Open tag names, innermost last (for "The innermost block that needs to be closed is ...").
    private var tagStack: [String] = []
    /// End tags each open statement is looking for.
    private var endTokenStack: [[String]] = []
    /// Current nesting of expressions and of block statements. Bounded so a hostile template
    /// fails with a syntax error instead of overflowing the (possibly small) thread stack.
    private var depth = 0
    static let maxDepth = 100

    init(tokens: [Token]) { self.tokens = tokens }

    static func parse(_ source: String) throws -> [Node] {
        let (tokens, lexError) = Lexer.tokenizeLazily(source)
        var parser = Parser(tokens: tokens)
        do {
            let nodes = try parser.subparse(endTokens: nil)
            if let lexError { throw lexError }
            return nodes
        } catch {
            // A failure on the end-of-stream token stands for reaching the lexing error.
            if let lexError, parser.i == tokens.count - 1 { throw lexError }
            throw error
        }
    }

    // MARK: token stream

    private var current: Token { tokens[i] }
    private func look() -> Token { tokens[min(i + 1, tokens.count - 1)] }
    private mutating func next() -> Token { let t = tokens[i]; if i < tokens.count - 1 { i += 1 }; return t }

    private func isName(_ t: Token, _ v: String) -> Bool { t.kind == .name && t.value == v }
    private func isOp(_ t: Token, _ v: String) -> Bool { t.kind == .op && t.value == v }

    private mutating func skipName(_ v: String) -> Bool {
        if isName(current, v) { i += 1; return true }
        return false
    }
    private mutating func skipOp(_ v: String) -> Bool {
        if isOp(current, v) { i += 1; return true }
        return false
    }

    private func fail(_ message: String, _ line: Int? = nil) -> TemplateError {
        .syntax(message, line: line ?? current.line)
    }

    /// Describes an expected-token expression as Jinja2's describe_token_expr does.
    private static func describeExpr(_ expr: String) -> String {
        if expr.hasPrefix("name:") { return String(expr.dropFirst(5)) }
        switch expr {
        case "block_end": return "end of statement block"
        case "variable_end": return "end of print statement"
        case "name": return "name"
        default: return expr
        }
    }

    private mutating func expectFailure(_ expr: String) -> TemplateError {
        if current.kind == .eof {
            return fail("unexpected end of template, expected \(PyFormat.stringRepr(Parser.describeExpr(expr))).")
        }
        return fail("expected token \(PyFormat.stringRepr(Parser.describeExpr(expr))), got \(PyFormat.stringRepr(current.described))")
    }

    @discardableResult
    private mutating func expectOp(_ op: String) throws -> Token {
        guard isOp(current, op) else { throw expectFailure(op) }
        return next()
    }
    @discardableResult
    private mutating func expectName(_ v: String? = nil) throws -> Token {
        guard current.kind == .name, v == nil || current.value == v else { throw expectFailure(v.map { "name:" + $0 } ?? "name") }
        return next()
    }
    private mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else { throw expectFailure("block_end") }
        i += 1
    }

    // MARK: statements

    private mutating func subparse(endTokens: [String]?) throws -> [Node] {
        var body: [Node] = []
        if let endTokens { endTokenStack.append(endTokens) }
        defer { if endTokens != nil { endTokenStack.removeLast() } }
        while current.kind != .eof {
            let t = current
            switch t.kind {
            case .data:
                body.append(.output(t.value))
                i += 1
            case .variableBegin:
                i += 1
                let e = try parseTuple(withCondexpr: true)
                guard current.kind == .variableEnd else { throw expectFailure("variable_end") }
                i += 1
                body.append(.print(e, line: t.line))
            case .blockBegin:
                i += 1
                if let endTokens, current.kind == .name, endTokens.contains("name:" + current.value) {
                    return body
                }
                body.append(contentsOf: try parseStatement())
            default:
                throw fail("internal parsing error")
            }
        }
        if endTokens != nil { try failUnknownTag(nil, line: current.line) }
        return body
    }

    private mutating func failUnknownTag(_ name: String?, line: Int) throws -> Never {
        var expected = Set<String>()
        for exprs in endTokenStack { for e in exprs { expected.insert(Parser.describeExpr(e)) } }
        let looking = endTokenStack.last.map { $0.map { PyFormat.stringRepr(Parser.describeExpr($0)) }.joined(separator: " or ") }
        var message = [name == nil ? "Unexpected end of template." : "Encountered unknown tag \(PyFormat.stringRepr(name!))."]
        if let looking, !looking.isEmpty {
            if let name, expected.contains(name) {
                message.append("You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for \(looking).")
            } else {
                message.append("Jinja was looking for the following tags: \(looking).")
            }
        }
        if let last = tagStack.last {
            message.append("The innermost block that needs to be closed is \(PyFormat.stringRepr(last)).")
        }
        throw TemplateError.syntax(message.joined(separator: " "), line: line)
    }

    private mutating func parseStatement() throws -> [Node] {
        let token = current
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maxDepth { throw fail("statements nested too deeply (more than \(Parser.maxDepth) levels)") }
        guard token.kind == .name else { throw fail("tag name expected", token.line) }
        tagStack.append(token.value)
        var popTag = true
        defer { if popTag { tagStack.removeLast() } }
        switch token.value {
        case "if": return [try parseIf()]
        case "for": return [try parseFor()]
        case "set": return [try parseSet()]
        case "macro": return [try parseMacro()]
        case "call": return [try parseCallBlock()]
        case "filter": return [try parseFilterBlock()]
        case "with": return [try parseWith()]
        case "generation":
            i += 1
            let body = try parseStatements(["name:endgeneration"], dropNeedle: true)
            return [.generation(body)]
        case "break", "continue":
            i += 1
            try expectBlockEnd()
            return [token.value == "break" ? .breakLoop(line: token.line) : .continueLoop(line: token.line)]
        case "print":
            i += 1
            let e = try parseTuple(withCondexpr: true)
            try expectBlockEnd()
            return [.print(e, line: token.line)]
        case "block", "extends", "include", "from", "import", "autoescape":
            throw TemplateError.unsupported("the '\(token.value)' tag is not supported", line: token.line)
        default:
            tagStack.removeLast()
            popTag = false
            try failUnknownTag(token.value, line: token.line)
        }
    }

    /// Parses statements up to one of `endTokens`; the end tag's name is consumed when
    /// `dropNeedle`, else left current for the caller.
    private mutating func parseStatements(_ endTokens: [String], dropNeedle: Bool = false) throws -> [Node] {
        // The statement head must end here.
        _ = skipOp(":")
        try expectBlockEnd()
        let body = try subparse(endTokens: endTokens)
        if current.kind == .eof { try failUnknownTag(nil, line: current.line) }
        if dropNeedle {
            i += 1
            try expectBlockEnd()
        }
        return body
    }

    private mutating func parseIf() throws -> Node {
        let line = next().line
        var branches: [(Expr, [Node], Int)] = []
        var branchLine = line
        var otherwise: [Node] = []
        while true {
            let test = try parseTuple(withCondexpr: false)
            let body = try parseStatements(["name:elif", "name:else", "name:endif"])
            branches.append((test, body, branchLine))
            let t = next()
            if t.value == "elif" { branchLine = current.line; continue }
            if t.value == "else" { otherwise = try parseStatements(["name:endif"], dropNeedle: true) }
            else { try expectBlockEnd() }
            break
        }
        return .ifNode(branches, otherwise: otherwise, line: line)
    }

    private mutating func parseFor() throws -> Node {
        let line = next().line
        let target = try parseAssignTarget(extraEnd: ["name:in"])
        try expectName("in")
        let iter = try parseTuple(withCondexpr: false, extraEnd: ["name:recursive"])
        var filter: Expr? = nil
        if skipName("if") { filter = try parseExpression() }
        let recursive = skipName("recursive")
        let body = try parseStatements(["name:endfor", "name:else"])
        var otherwise: [Node] = []
        if next().value == "endfor" { try expectBlockEnd() }
        else { otherwise = try parseStatements(["name:endfor"], dropNeedle: true) }
        return .forNode(target: target, iter: iter, filter: filter, body: body, otherwise: otherwise, recursive: recursive, line: line)
    }

    private mutating func parseSet() throws -> Node {
        let line = next().line
        let target = try parseAssignTarget(withNamespace: true)
        if skipOp("=") {
            let e = try parseTuple(withCondexpr: true)
            try expectBlockEnd()
            return .set(target, e, line: line)
        }
        let filter = try parseFilter(nil)
        let body = try parseStatements(["name:endset"], dropNeedle: true)
        return .setBlock(target, filter: filter, body: body, line: line)
    }

    private mutating func parseSignature() throws -> [(String, Expr?)] {
        var params: [(String, Expr?)] = []
        try expectOp("(")
        while !isOp(current, ")") {
            if !params.isEmpty { try expectOp(",") }
            let name = try expectName().value
            var defaultValue: Expr? = nil
            if skipOp("=") { defaultValue = try parseExpression() }
            else if params.contains(where: { $0.1 != nil }) { throw fail("non-default argument follows default argument") }
            params.append((name, defaultValue))
        }
        try expectOp(")")
        return params
    }

    private mutating func parseMacro() throws -> Node {
        let line = next().line
        let name = try expectName().value
        let params = try parseSignature()
        let body = try parseStatements(["name:endmacro"], dropNeedle: true)
        return .macro(name: name, params: params, body: body, line: line)
    }

    private mutating func parseCallBlock() throws -> Node {
        let line = next().line
        let params = isOp(current, "(") ? try parseSignature() : []
        let call = try parseExpression()
        guard case .call = call else { throw fail("expected call", line) }
        let body = try parseStatements(["name:endcall"], dropNeedle: true)
        return .callBlock(call: call, params: params, body: body, line: line)
    }

    private mutating func parseFilterBlock() throws -> Node {
        let line = next().line
        guard let filter = try parseFilter(nil, startInline: true) else { throw fail("expected filter", line) }
        let body = try parseStatements(["name:endfilter"], dropNeedle: true)
        return .filterBlock(filter: filter, body: body, line: line)
    }

    private mutating func parseWith() throws -> Node {
        let line = next().line
        var targets: [(Target, Expr)] = []
        while current.kind != .blockEnd {
            if !targets.isEmpty { try expectOp(",") }
            let t = try parseAssignTarget()
            try expectOp("=")
            targets.append((t, try parseExpression()))
        }
        let body = try parseStatements(["name:endwith"], dropNeedle: true)
        return .with(targets: targets, body: body, line: line)
    }

    private mutating func parseAssignTarget(withNamespace: Bool = false, extraEnd: [String] = []) throws -> Target {
        if withNamespace, current.kind == .name, isOp(look(), ".") {
            let ns = next().value
            i += 1
            let attr = try expectName().value
            return .namespaceAttr(ns, attr)
        }
        var items: [Target] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEnd) { break }
            let t = current
            guard t.kind == .name else { throw fail("can't assign to \(describeTargetFailure())", t.line) }
            if ["true", "false", "True", "False", "none", "None"].contains(t.value) {
                throw fail("can't assign to 'const'", t.line)
            }
            i += 1
            items.append(.name(t.value))
            if isOp(current, ",") { isTuple = true } else { break }
        }
        if !isTuple, let first = items.first { return first }
        if items.isEmpty { throw fail("Expected an expression, got \(PyFormat.stringRepr(current.described))") }
        return .tuple(items)
    }

    private func describeTargetFailure() -> String {
        switch current.kind {
        case .string, .integer, .float: return "'const'"
        case .op where current.value == "(": return "'tuple'"
        case .op where current.value == "[": return "'list'"
        default: return PyFormat.stringRepr(current.described)
        }
    }

    // MARK: expressions

    private func isTupleEnd(_ extraEnd: [String]) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .eof: return true
        case .op where current.value == ")": return true
        case .name: return extraEnd.contains("name:" + current.value)
        default: return false
        }
    }

    private mutating func parseExpression(withCondexpr: Bool = true) throws -> Expr {
        withCondexpr ? try parseCondexpr() : try parseOr()
    }

    private mutating func parseCondexpr() throws -> Expr {
        var line = current.line
        var expr1 = try parseOr()
        while skipName("if") {
            let expr2 = try parseOr()
            let expr3: Expr? = skipName("else") ? try parseCondexpr() : nil
            expr1 = .condition(test: expr2, then: expr1, otherwise: expr3, line: line)
            line = current.line
        }
        return expr1
    }

    private mutating func parseOr() throws -> Expr {
        var line = current.line
        var left = try parseAnd()
        while skipName("or") {
            left = .binary("or", left, try parseAnd(), line: line)
            line = current.line
        }
        return left
    }

    private mutating func parseAnd() throws -> Expr {
        var line = current.line
        var left = try parseNot()
        while skipName("and") {
            left = .binary("and", left, try parseNot(), line: line)
            line = current.line
        }
        return left
    }

    private mutating func parseNot() throws -> Expr {
        if isName(current, "not") {
            let line = next().line
            return .unary("not", try parseNot(), line: line)
        }
        return try parseCompare()
    }

    private static let compareOps: Set<String> = ["==", "!=", "<", "<=", ">", ">="]

    private mutating func parseCompare() throws -> Expr {
        var line = current.line
        let expr = try parseMath1()
        var ops: [(String, Expr)] = []
        while true {
            if current.kind == .op, Parser.compareOps.contains(current.value) {
                let op = next().value
                ops.append((op, try parseMath1()))
            } else if skipName("in") {
                ops.append(("in", try parseMath1()))
            } else if isName(current, "not"), isName(look(), "in") {
                i += 2
                ops.append(("notin", try parseMath1()))
            } else { break }
            line = current.line
        }
        return ops.isEmpty ? expr : .compare(expr, ops, line: line)
    }

    private mutating func parseMath1() throws -> Expr {
        var line = current.line
        var left = try parseConcat()
        while current.kind == .op, current.value == "+" || current.value == "-" {
            let op = next().value
            left = .binary(op, left, try parseConcat(), line: line)
            line = current.line
        }
        return left
    }

    private mutating func parseConcat() throws -> Expr {
        let line = current.line
        var args = [try parseMath2()]
        while skipOp("~") { args.append(try parseMath2()) }
        return args.count == 1 ? args[0] : .concat(args, line: line)
    }

    private mutating func parseMath2() throws -> Expr {
        var line = current.line
        var left = try parsePow()
        while current.kind == .op, ["*", "/", "//", "%"].contains(current.value) {
            let op = next().value
            left = .binary(op, left, try parsePow(), line: line)
            line = current.line
        }
        return left
    }

    private mutating func parsePow() throws -> Expr {
        var line = current.line
        var left = try parseUnary()
        while skipOp("**") {
            left = .binary("**", left, try parseUnary(), line: line)
            line = current.line
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        let line = current.line
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maxDepth { throw fail("expression nested too deeply (more than \(Parser.maxDepth) levels)") }
        var node: Expr
        if isOp(current, "-") {
            i += 1
            node = .unary("-", try parseUnary(withFilter: false), line: line)
        } else if isOp(current, "+") {
            i += 1
            node = .unary("+", try parseUnary(withFilter: false), line: line)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpr(node) }
        return node
    }

    private mutating func parsePrimary() throws -> Expr {
        let t = current
        switch t.kind {
        case .name:
            i += 1
            switch t.value {
            case "true", "True": return .constant(.bool(true), line: t.line)
            case "false", "False": return .constant(.bool(false), line: t.line)
            case "none", "None": return .constant(.none, line: t.line)
            default: return .name(t.value, line: t.line)
            }
        case .string:
            i += 1
            var s = t.value
            while current.kind == .string { s += next().value }
            return .constant(.string(s), line: t.line)
        case .integer:
            i += 1
            return .constant(.int(t.intValue), line: t.line)
        case .float:
            i += 1
            return .constant(.double(t.doubleValue), line: t.line)
        case .op where t.value == "(":
            i += 1
            let e = try parseTuple(withCondexpr: true, explicitParentheses: true)
            try expectOp(")")
            return e
        case .op where t.value == "[":
            i += 1
            var items: [Expr] = []
            while !isOp(current, "]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp(current, "]") { break }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return .list(items, line: t.line)
        case .op where t.value == "{":
            i += 1
            var items: [(Expr, Expr)] = []
            while !isOp(current, "}") {
                if !items.isEmpty { try expectOp(",") }
                if isOp(current, "}") { break }
                let k = try parseExpression()
                try expectOp(":")
                items.append((k, try parseExpression()))
            }
            try expectOp("}")
            return .dict(items, line: t.line)
        default:
            if t.kind == .eof { throw fail("unexpected end of template, expected 'end of print statement'.", t.line) }
            throw fail("unexpected \(PyFormat.stringRepr(t.described))", t.line)
        }
    }

    private mutating func parseTuple(withCondexpr: Bool, extraEnd: [String] = [], explicitParentheses: Bool = false) throws -> Expr {
        var line = current.line
        var args: [Expr] = []
        var isTuple = false
        while true {
            if !args.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEnd) { break }
            args.append(try parseExpression(withCondexpr: withCondexpr))
            if isOp(current, ",") { isTuple = true } else { break }
            line = current.line
        }
        if !isTuple {
            if let first = args.first { return first }
            if !explicitParentheses {
                throw fail("Expected an expression, got \(PyFormat.stringRepr(current.described))")
            }
        }
        return .tuple(args, line: line)
    }

    private mutating func parsePostfix(_ start: Expr) throws -> Expr {
        var node = start
        while true {
            if isOp(current, ".") || isOp(current, "[") { node = try parseSubscript(node) }
            else if isOp(current, "(") { node = try parseCall(node) }
            else { break }
        }
        return node
    }

    private mutating func parseFilterExpr(_ start: Expr) throws -> Expr {
        var node = start
        while true {
            if isOp(current, "|") { node = try parseFilter(node)! }
            else if isName(current, "is") { node = try parseTest(node) }
            else if isOp(current, "(") { node = try parseCall(node) }
            else { break }
        }
        return node
    }

    private mutating func parseSubscript(_ node: Expr) throws -> Expr {
        let t = next()
        if t.value == "." {
            let attr = next()
            if attr.kind == .name { return .getattr(node, attr.value, line: t.line) }
            guard attr.kind == .integer else { throw fail("expected name or number", attr.line) }
            return .getitem(node, .constant(.int(attr.intValue), line: attr.line), line: t.line)
        }
        var args: [Expr] = []
        while !isOp(current, "]") {
            if !args.isEmpty { try expectOp(",") }
            args.append(try parseSubscribed())
        }
        try expectOp("]")
        let arg = args.count == 1 ? args[0] : .tuple(args, line: t.line)
        return .getitem(node, arg, line: t.line)
    }

    private mutating func parseSubscribed() throws -> Expr {
        let line = current.line
        var parts: [Expr?] = []
        if isOp(current, ":") {
            i += 1
            parts = [nil]
        } else {
            let e = try parseExpression()
            if !isOp(current, ":") { return e }
            i += 1
            parts = [e]
        }
        if isOp(current, ":") { parts.append(nil) }
        else if !isOp(current, "]") && !isOp(current, ",") { parts.append(try parseExpression()) }
        else { parts.append(nil) }
        if isOp(current, ":") {
            i += 1
            if !isOp(current, "]") && !isOp(current, ",") { parts.append(try parseExpression()) }
            else { parts.append(nil) }
        } else { parts.append(nil) }
        return .slice(parts[0], parts[1], parts[2], line: line)
    }

    private mutating func parseCallArgs() throws -> CallArgs {
        let open = try expectOp("(")
        var args = CallArgs()
        var requireComma = false
        func ensure(_ ok: Bool) throws {
            if !ok { throw TemplateError.syntax("invalid syntax for function call expression", line: open.line) }
        }
        while !isOp(current, ")") {
            if requireComma {
                try expectOp(",")
                if isOp(current, ")") { break }
            }
            if isOp(current, "*") {
                try ensure(args.starArgs == nil && args.starKwargs == nil)
                i += 1
                args.starArgs = try parseExpression()
            } else if isOp(current, "**") {
                try ensure(args.starKwargs == nil)
                i += 1
                args.starKwargs = try parseExpression()
            } else if current.kind == .name, isOp(look(), "=") {
                try ensure(args.starKwargs == nil)
                let key = next().value
                i += 1
                args.keywords.append((key, try parseExpression()))
            } else {
                try ensure(args.starArgs == nil && args.starKwargs == nil && args.keywords.isEmpty)
                args.positional.append(try parseExpression())
            }
            requireComma = true
        }
        try expectOp(")")
        return args
    }

    private mutating func parseCall(_ node: Expr) throws -> Expr {
        let line = current.line
        return .call(node, try parseCallArgs(), line: line)
    }

    private mutating func parseFilter(_ start: Expr?, startInline: Bool = false) throws -> Expr? {
        var node = start
        var inline = startInline
        while isOp(current, "|") || inline {
            if !inline { i += 1 }
            let t = try expectName()
            var name = t.value
            while isOp(current, ".") { i += 1; name += "." + (try expectName().value) }
            let args = isOp(current, "(") ? try parseCallArgs() : CallArgs()
            node = .filter(node, name, args, line: t.line)
            inline = false
        }
        return node
    }

    private mutating func parseTest(_ node: Expr) throws -> Expr {
        let t = next()
        let negated = skipName("not")
        var name = try expectName().value
        while isOp(current, ".") { i += 1; name += "." + (try expectName().value) }
        var args = CallArgs()
        if isOp(current, "(") {
            args = try parseCallArgs()
        } else if [.name, .string, .integer, .float].contains(current.kind) || isOp(current, "(") || isOp(current, "[") || isOp(current, "{"),
                  !(isName(current, "else") || isName(current, "or") || isName(current, "and")) {
            if isName(current, "is") { throw fail("You cannot chain multiple tests with is") }
            let arg = try parsePostfix(try parsePrimary())
            args.positional = [arg]
        }
        let test = Expr.test(node, name, args, line: t.line)
        return negated ? .unary("not", test, line: t.line) : test
    }
}
