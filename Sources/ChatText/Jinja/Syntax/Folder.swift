import Foundation

/// Jinja2's compile-time constant folding, which is observable: a folded `x[a:b]` on something
/// that cannot be sliced is an undefined value (printed as ""), while at run time the same
/// subscript raises TypeError. Folding follows jinja2/optimizer.py and the code generator:
/// every expression whose whole subtree evaluates without variables, calls or context filters
/// becomes a constant when its value has a safe repr (never an undefined), and a `{{ }}` whose
/// expression evaluates becomes text.
enum Folder {
    static let impossible = TemplateError.unsupported("not constant", line: nil)

    static func fold(_ nodes: [Node]) -> [Node] {
        let interpreter = Interpreter(context: [:], now: Date(timeIntervalSince1970: 0), timeZone: .current, folding: true)
        defer { interpreter.globals.clear() }
        let scope = Scope(parent: nil)
        return nodes.map { fold($0, interpreter, scope) }
    }

    private static func fold(_ node: Node, _ i: Interpreter, _ s: Scope) -> Node {
        func e(_ x: Expr) -> Expr { fold(x, i, s) }
        func b(_ body: [Node]) -> [Node] { body.map { fold($0, i, s) } }
        switch node {
        case .output, .breakLoop, .continueLoop, .declareMissing: return node
        case let .print(x, line):
            let folded = e(x)
            if let v = try? i.eval(folded, s) { return .output(PyFormat.str(v)) }
            return .print(folded, line: line)
        case let .ifNode(branches, otherwise, line):
            return .ifNode(branches.map { (e($0.0), b($0.1), $0.2) }, otherwise: b(otherwise), line: line)
        case let .forNode(target, iter, filter, body, otherwise, recursive, line):
            return .forNode(target: target, iter: e(iter), filter: filter.map(e), body: b(body), otherwise: b(otherwise),
                            recursive: recursive, line: line)
        case let .set(target, x, line): return .set(target, e(x), line: line)
        case let .setBlock(target, filter, body, line): return .setBlock(target, filter: filter, body: b(body), line: line)
        case let .macro(name, params, body, line):
            return .macro(name: name, params: params.map { ($0.0, $0.1.map(e)) }, body: b(body), line: line)
        case let .callBlock(call, params, body, line): return .callBlock(call: call, params: params, body: b(body), line: line)
        case let .filterBlock(filter, body, line): return .filterBlock(filter: filter, body: b(body), line: line)
        case let .with(targets, body, line): return .with(targets: targets.map { ($0.0, e($0.1)) }, body: b(body), line: line)
        case let .generation(body): return .generation(b(body))
        }
    }

    private static func fold(_ args: CallArgs, _ i: Interpreter, _ s: Scope) -> CallArgs {
        CallArgs(positional: args.positional.map { fold($0, i, s) }, keywords: args.keywords.map { ($0.0, fold($0.1, i, s)) },
                 starArgs: args.starArgs.map { fold($0, i, s) }, starKwargs: args.starKwargs.map { fold($0, i, s) })
    }

    /// Bottom-up: children first, then the node itself.
    static func fold(_ x: Expr, _ i: Interpreter, _ s: Scope) -> Expr {
        func f(_ y: Expr) -> Expr { fold(y, i, s) }
        let rebuilt: Expr
        switch x {
        case .constant, .name: return x
        case let .list(items, l): rebuilt = .list(items.map(f), line: l)
        case let .tuple(items, l): rebuilt = .tuple(items.map(f), line: l)
        case let .dict(pairs, l): rebuilt = .dict(pairs.map { (f($0.0), f($0.1)) }, line: l)
        case let .getattr(o, n, l): rebuilt = .getattr(f(o), n, line: l)
        case let .getitem(o, a, l): rebuilt = .getitem(f(o), f(a), line: l)
        case let .slice(a, b, c, l): return .slice(a.map(f), b.map(f), c.map(f), line: l)
        case let .call(fn, args, l): return .call(f(fn), fold(args, i, s), line: l)
        case let .filter(subject, n, args, l): rebuilt = .filter(subject.map(f), n, fold(args, i, s), line: l)
        case let .test(subject, n, args, l): rebuilt = .test(f(subject), n, fold(args, i, s), line: l)
        case let .unary(op, o, l): rebuilt = .unary(op, f(o), line: l)
        case let .binary(op, a, b, l): rebuilt = .binary(op, f(a), f(b), line: l)
        case let .concat(items, l): rebuilt = .concat(items.map(f), line: l)
        case let .compare(first, ops, l): rebuilt = .compare(f(first), ops.map { ($0.0, f($0.1)) }, line: l)
        case let .condition(t, a, b, l): rebuilt = .condition(test: f(t), then: f(a), otherwise: b.map(f), line: l)
        }
        guard let v = try? i.eval(rebuilt, s), hasSafeRepr(v) else { return rebuilt }
        return .constant(v, line: rebuilt.line)
    }

    /// jinja2.utils / nodes has_safe_repr: values Jinja2 is willing to embed as constants.
    static func hasSafeRepr(_ v: JValue) -> Bool {
        switch v {
        case .none, .bool, .int, .double, .string: return true
        case let .list(items), let .tuple(items): return items.allSatisfy(hasSafeRepr)
        case let .dict(d): return d.values.allSatisfy(hasSafeRepr)
        default: return false
        }
    }
}
