import Foundation

/// Runs a parsed template against a context, producing the output text.
final class Interpreter {
    let globals: Scope
    let now: Date
    let timeZone: TimeZone
    /// Nesting of macro calls and recursive loops; Python would raise RecursionError, and an
    /// unbounded Swift recursion would crash the process instead.
    private var callDepth = 0
    static let maxCallDepth = 64

    /// Evaluating at compile time, as Jinja2's optimizer does (`as_const`): variables, calls and
    /// context filters are out of reach.
    let folding: Bool

    init(context: [String: Value], now: Date, timeZone: TimeZone, folding: Bool = false) {
        self.folding = folding
        self.now = now
        self.timeZone = timeZone
        globals = Scope(parent: nil)
        installGlobals()
        let top = globals
        for (k, v) in context { top.set(k, JValue(v)) }
    }

    /// Scopes that hold macros: a macro's closure keeps its defining scope alive and that scope
    /// keeps the macro, so they are emptied after the render to free them.
    private var macroScopes: [Scope] = []

    func render(_ nodes: [Node]) throws -> String {
        defer {
            for s in macroScopes { s.clear() }
            globals.clear()
        }
        var out = ""
        let scope = Scope(parent: globals)
        _ = try run(nodes, scope, &out)
        return out
    }

    // MARK: statements

    func run(_ nodes: [Node], _ scope: Scope, _ out: inout String) throws -> Flow {
        for node in nodes {
            let flow = try run(node, scope, &out)
            // Each operation is capped (Operators.maxResultSize), but a loop can still append
            // without end: the output as a whole is capped too, so a template cannot exhaust memory.
            if out.utf8.count > Operators.maxResultSize {
                throw TemplateError.python(type: "MemoryError", message: "output would exceed \(Operators.maxResultSize) bytes", line: nil)
            }
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func run(_ node: Node, _ scope: Scope, _ out: inout String) throws -> Flow {
        switch node {
        case let .output(text):
            out += text
        case let .print(e, _):
            // Jinja2 compiles each `{{ }}` expression to one Python line, placed at the line of the
            // expression's top node, so every error inside it reports that line.
            out += try printable(try eval(e, scope, at: e.line))
        case let .ifNode(branches, otherwise, _):
            for (test, body, line) in branches where try eval(test, scope, at: line).truthy {
                return try run(body, scope, &out)
            }
            return try run(otherwise, scope, &out)
        case let .forNode(target, iter, filter, body, otherwise, recursive, line):
            let items = try eval(iter, scope, at: line)
            return try runFor(target: target, items: items, filter: filter, body: body, otherwise: otherwise,
                              recursive: recursive, line: line, scope: scope, out: &out, depth0: 0)
        case let .set(target, e, line):
            let v = try eval(e, scope, at: line)
            try assign(target, v, scope, line: line)
        case let .setBlock(target, filter, body, line):
            var text = ""
            _ = try run(body, Scope(parent: scope), &text)
            var v = JValue.string(text)
            if let filter {
                do { v = try applyFilterChain(filter, to: v, scope) } catch let e as TemplateError { throw e.at(line: line) }
            }
            try assign(target, v, scope, line: line)
        case let .macro(name, params, body, _):
            scope.set(name, .function(makeMacro(name: name, params: params, body: body, scope: scope)))
        case let .callBlock(call, params, body, line):
            guard case let .call(fnExpr, args, _) = call else { return .normal }
            let caller = makeMacro(name: "caller", params: params, body: body, scope: scope)
            do {
                let fn = try eval(fnExpr, scope)
                var (pos, kw) = try evalArgs(args, scope)
                kw.append(("caller", .function(caller)))
                out += try printable(try callValue(fn, pos, kw))
            } catch let e as TemplateError { throw e.at(line: line) }
        case let .filterBlock(filter, body, line):
            var text = ""
            _ = try run(body, Scope(parent: scope), &text)
            do { out += try printable(try applyFilterChain(filter, to: .string(text), scope)) }
            catch let e as TemplateError { throw e.at(line: line) }
        case let .with(targets, body, line):
            let inner = Scope(parent: scope)
            for (t, e) in targets { try assign(t, try eval(e, scope, at: line), inner, line: line) }
            return try run(body, inner, &out)
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        case let .generation(body):
            return try run(body, Scope(parent: scope), &out)
        case let .declareMissing(names):
            for n in names { scope.set(n, .undefined(.missing(n))) }
        }
        return .normal
    }

    /// Replaces the innermost (nil) subject of a filter chain with `value` and evaluates it.
    private func applyFilterChain(_ filter: Expr, to value: JValue, _ scope: Scope) throws -> JValue {
        guard case let .filter(inner, name, args, _) = filter else { return value }
        let subject = try inner.map { try applyFilterChain($0, to: value, scope) } ?? value
        let (pos, kw) = try evalArgs(args, scope)
        return try Filters.apply(name, subject, pos, kw, self)
    }

    private func runFor(target: Target, items iterable: JValue, filter: Expr?, body: [Node], otherwise: [Node],
                        recursive: Bool, line: Int, scope: Scope, out: inout String, depth0: Int) throws -> Flow {
        var items: [JValue]
        do { items = try iterate(iterable) } catch let e as TemplateError { throw e.at(line: line) }
        if let filter {
            var kept: [JValue] = []
            for item in items {
                let s = Scope(parent: scope)
                try assign(target, item, s, line: line)
                if try eval(filter, s, at: filter.line).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty { return try run(otherwise, Scope(parent: scope), &out) }
        let loop = LoopState(items: items, depth0: depth0)
        if recursive {
            loop.recurse = { [unowned self] child in
                var text = ""
                _ = try self.runFor(target: target, items: child, filter: filter, body: body, otherwise: [],
                                    recursive: true, line: line, scope: scope, out: &text, depth0: depth0 + 1)
                return .string(text)
            }
        }
        // Jinja2 runs the else branch unless some iteration ran its body to the end (an iteration
        // left by break or continue does not count).
        var completedAnIteration = false
        defer { loop.recurse = nil }
        for (index, item) in items.enumerated() {
            loop.index0 = index
            let s = Scope(parent: scope)
            s.set("loop", .loop(loop))
            try assign(target, item, s, line: line)
            let flow = try run(body, s, &out)
            if flow == .breakLoop { break }
            if flow == .normal { completedAnIteration = true }
        }
        if !completedAnIteration { return try run(otherwise, Scope(parent: scope), &out) }
        return .normal
    }

    func assign(_ target: Target, _ value: JValue, _ scope: Scope, line: Int) throws {
        try ValueNesting.check(value, line: line)
        switch target {
        case let .name(n):
            scope.set(n, value)
        case let .namespaceAttr(ns, attr):
            guard let v = scope.lookup(ns) ?? globals.lookup(ns), case let .namespace(obj) = v else {
                throw TemplateError.runtime("cannot assign attribute on non-namespace object", line: line)
            }
            if attr.hasPrefix("_") {
                throw TemplateError.security("Chat templates cannot store underscore-prefixed attributes on a namespace, but got \(PyFormat.stringRepr(attr)). Please rename the attribute.", line: line)
            }
            obj.attributes[attr] = value
        case let .tuple(targets):
            let items: [JValue]
            do { items = try iterate(value) } catch let e as TemplateError { throw e.at(line: line) }
            if items.count != targets.count {
                let message = items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))"
                throw TemplateError.valueError(message).at(line: line)
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope, line: line) }
        }
    }

    private func makeMacro(name: String, params: [(String, Expr?)], body: [Node], scope: Scope) -> Function {
        // Like Jinja2, a macro accepts extra arguments only if its body reads `varargs` / `kwargs`.
        macroScopes.append(scope)
        let names = NameCheck.referencedNames(body)
        let catchesVarargs = names.contains("varargs"), catchesKwargs = names.contains("kwargs")
        let catchesCaller = names.contains("caller")
        let macro = Function(name) { [unowned self] args, kwargs in
            let frame = Scope(parent: scope)
            if catchesCaller { frame.set("caller", .undefined(Undefined(hint: "No caller defined", nameRepr: "'caller'"))) }
            if args.count > params.count && !catchesVarargs {
                throw TemplateError.typeError("macro \(PyFormat.stringRepr(name)) takes not more than \(params.count) argument(s)")
            }
            var given: [String: JValue] = [:]
            var extraKwargs = JDict()
            for (k, v) in kwargs {
                if k == "caller" { frame.set("caller", v); continue }
                guard params.contains(where: { $0.0 == k }) else {
                    if catchesKwargs { extraKwargs[k] = v; continue }
                    throw TemplateError.typeError("macro \(PyFormat.stringRepr(name)) takes no keyword argument \(PyFormat.stringRepr(k))")
                }
                given[k] = v
            }
            for (index, (pname, defaultExpr)) in params.enumerated() {
                if index < args.count { frame.set(pname, args[index]) }
                else if let v = given[pname] { frame.set(pname, v) }
                else if let defaultExpr { frame.set(pname, try self.eval(defaultExpr, frame)) }
                else { frame.set(pname, .undefined(Undefined(hint: "parameter \(PyFormat.stringRepr(pname)) was not provided"))) }
            }
            if catchesVarargs { frame.set("varargs", .tuple(Array(args.dropFirst(params.count)))) }
            if catchesKwargs { frame.set("kwargs", .dict(extraKwargs)) }
            var text = ""
            _ = try self.run(body, frame, &text)
            return .string(text)
        }
        macro.macroArguments = params.map(\.0)
        return macro
    }

    // MARK: expressions

    func eval(_ e: Expr, _ scope: Scope) throws -> JValue {
        try evalInner(e, scope)
    }

    /// Evaluates a statement's expression; errors raised directly in it report `line` (errors
    /// from inside a macro called here keep the macro body's line).
    func eval(_ e: Expr, _ scope: Scope, at line: Int) throws -> JValue {
        do { return try evalInner(e, scope) } catch let error as TemplateError { throw error.at(line: line) }
    }

    private func evalInner(_ e: Expr, _ scope: Scope) throws -> JValue {
        switch e {
        case let .constant(v, _): return v
        case let .name(n, _):
            if folding { throw Folder.impossible }
            return scope.lookup(n) ?? .undefined(.missing(n))
        case let .list(items, _): return .list(try items.map { try eval($0, scope) })
        case let .tuple(items, _): return .tuple(try items.map { try eval($0, scope) })
        case let .dict(pairs, _):
            var d = JDict()
            for (k, v) in pairs {
                let key = try eval(k, scope)
                guard case let .string(ks) = key else {
                    throw TemplateError.unsupported("dict keys other than strings are not supported", line: nil)
                }
                d[ks] = try eval(v, scope)
            }
            return .dict(d)
        case let .getattr(obj, name, _):
            return try Members.getattr(try eval(obj, scope), name, self)
        case let .getitem(obj, arg, _):
            let o = try eval(obj, scope)
            if case let .slice(a, b, c, _) = arg {
                let start = try a.map { try eval($0, scope) }, stop = try b.map { try eval($0, scope) }
                let step = try c.map { try eval($0, scope) }
                if folding {
                    // Jinja2's as_const goes through the sandbox's getitem, which turns a failed
                    // subscript into an undefined value; at run time the subscript is plain Python.
                    do { return try Members.slice(o, start, stop, step) } catch let error as TemplateError where error.kind == "TypeError" {
                        return .undefined(Members.sliceUndefined(o, start, stop, step))
                    }
                }
                return try Members.slice(o, start, stop, step)
            }
            return try Members.getitem(o, try eval(arg, scope), self)
        case .slice:
            throw TemplateError.unsupported("slice outside a subscript", line: nil)
        case let .call(fnExpr, args, _):
            if folding { throw Folder.impossible }
            let fn = try eval(fnExpr, scope)
            let (pos, kw) = try evalArgs(args, scope)
            return try callValue(fn, pos, kw)
        case let .filter(subject, name, args, _):
            if folding && (subject == nil || Expr.contextFilters.contains(name)) { throw Folder.impossible }
            let v = try subject.map { try eval($0, scope) } ?? .undefined(Undefined())
            let (pos, kw) = try evalArgs(args, scope)
            return try Filters.apply(name, v, pos, kw, self)
        case let .test(subject, name, args, _):
            let v = try eval(subject, scope)
            let (pos, kw) = try evalArgs(args, scope)
            return .bool(try Tests.apply(name, v, pos, kw, self))
        case let .unary(op, operand, _):
            let v = try eval(operand, scope)
            switch op {
            case "not": return .bool(!v.truthy)
            default: return try Operators.unary(op, v)
            }
        case let .binary(op, l, r, _):
            if op == "and" {
                let left = try eval(l, scope)
                return left.truthy ? try eval(r, scope) : left
            }
            if op == "or" {
                let left = try eval(l, scope)
                return left.truthy ? left : try eval(r, scope)
            }
            return try Operators.binary(op, try eval(l, scope), try eval(r, scope))
        case let .concat(parts, _):
            var s = ""
            for p in parts { s += try printable(try eval(p, scope)) }
            return .string(s)
        case let .compare(first, ops, _):
            var left = try eval(first, scope)
            for (op, rightExpr) in ops {
                let right = try eval(rightExpr, scope)
                if !(try Operators.compare(op, left, right)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case let .condition(test, then, otherwise, line):
            if try eval(test, scope).truthy { return try eval(then, scope) }
            if let otherwise { return try eval(otherwise, scope) }
            if folding { throw Folder.impossible }
            return .undefined(Undefined(hint: "the inline if-expression on line \(line) evaluated to false and no else section was defined."))
        }
    }

    func evalArgs(_ args: CallArgs, _ scope: Scope) throws -> ([JValue], [(String, JValue)]) {
        var pos = try args.positional.map { try eval($0, scope) }
        var kw = try args.keywords.map { ($0.0, try eval($0.1, scope)) }
        if let star = args.starArgs { pos += try iterate(try eval(star, scope)) }
        if let star = args.starKwargs {
            guard case let .dict(d) = try eval(star, scope) else { throw TemplateError.typeError("argument after ** must be a mapping") }
            kw += d.pairs
        }
        return (pos, kw)
    }

    func callValue(_ fn: JValue, _ args: [JValue], _ kwargs: [(String, JValue)]) throws -> JValue {
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > Interpreter.maxCallDepth {
            throw TemplateError.python(type: "RecursionError", message: "maximum recursion depth exceeded (\(Interpreter.maxCallDepth) nested calls)", line: nil)
        }
        switch fn {
        case let .function(f): return try f.body(args, kwargs)
        case let .undefined(u): throw u.error
        case let .loop(l):
            guard let recurse = l.recurse, args.count == 1 else {
                throw TemplateError.typeError("The loop must have the 'recursive' marker to be called recursively.")
            }
            return try recurse(args[0])
        default: throw TemplateError.typeError("\(PyFormat.stringRepr(fn.typeName)) object is not callable")
        }
    }

    /// `str(value)` for output; refuses nothing (undefined prints as "").
    func printable(_ v: JValue) throws -> String { PyFormat.str(v) }

    /// Python iteration: list/tuple items, string characters, dict keys; undefined is empty.
    func iterate(_ v: JValue) throws -> [JValue] {
        switch v {
        case let .list(a), let .tuple(a): return a
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case let .dict(d): return d.keys.map { .string($0) }
        case .undefined: return []
        case .namespace: throw TemplateError.typeError("'TemplateNamespace' object is not iterable")
        default: throw TemplateError.typeError("\(PyFormat.stringRepr(v.typeName)) object is not iterable")
        }
    }
}
