import Foundation

/// A Jinja2 template as Hugging Face chat templates use them, rendered exactly as transformers
/// renders them: `ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
/// extensions=[loopcontrols, generation])` with the globals `raise_exception`, `strftime_now`,
/// `namespace`, `dict`, `range`, and a `tojson` filter that keeps non-ASCII characters.
///
/// ```swift
/// let template = try Template(chatTemplate)
/// let text = try template.render(["messages": messages, "add_generation_prompt": true])
/// ```
public struct Template: Sendable {
    private let nodes: [Node]

    /// Parses `source`; throws `TemplateError.syntax` (with the line) when it is not valid Jinja,
    /// and `TemplateError.assertion` for an unknown filter or test outside a conditional branch,
    /// as Jinja2's compiler does.
    public init(_ source: String) throws {
        let parsed = try Parser.parse(source)
        try NameCheck.check(parsed)
        nodes = Frames.annotate(Folder.fold(parsed))
    }

    /// Renders with `context` as the template's variables. `strftime_now` reads the clock.
    public func render(_ context: [String: Value]) throws -> String {
        try render(context, now: Date(), timeZone: .current)
    }

    /// Renders with a fixed clock for `strftime_now`, read in `timeZone` (Python's naive local time).
    public func render(_ context: [String: Value], now: Date, timeZone: TimeZone = .current) throws -> String {
        try Interpreter(context: context, now: now, timeZone: timeZone).render(nodes)
    }
}

// The tree is immutable after parsing; constant values inside it are plain data.
extension Node: @unchecked Sendable {}

/// Jinja2 rejects unknown filters and tests at compile time, except inside `if` statements and
/// inline `if` expressions, where the error waits until the filter is actually called.
enum NameCheck {
    /// The variable names an expression reads, in Jinja2's field order (for symbol analysis).
    static func namesInOrder(_ e: Expr) -> [String] {
        var out: [String] = []
        func visit(_ e: Expr) {
            switch e {
            case .constant: break
            case let .name(n, _): out.append(n)
            case let .list(items, _), let .tuple(items, _), let .concat(items, _): items.forEach(visit)
            case let .dict(pairs, _): for (k, v) in pairs { visit(k); visit(v) }
            case let .getattr(o, _, _): visit(o)
            case let .getitem(o, a, _): visit(o); visit(a)
            case let .slice(a, b, c, _): [a, b, c].compactMap { $0 }.forEach(visit)
            case let .call(f, args, _): visit(f); visitArgs(args)
            case let .filter(s, _, args, _): s.map(visit); visitArgs(args)
            case let .test(s, _, args, _): visit(s); visitArgs(args)
            case let .unary(_, o, _): visit(o)
            case let .binary(_, l, r, _): visit(l); visit(r)
            case let .compare(f, ops, _): visit(f); ops.forEach { visit($0.1) }
            case let .condition(t, a, b, _): visit(t); visit(a); b.map(visit)
            }
        }
        func visitArgs(_ args: CallArgs) {
            args.positional.forEach(visit)
            args.keywords.forEach { visit($0.1) }
            args.starArgs.map(visit)
            args.starKwargs.map(visit)
        }
        visit(e)
        return out
    }

    /// Every variable name an expression in `nodes` reads (macro bodies included).
    static func referencedNames(_ nodes: [Node]) -> Set<String> {
        var names = Set<String>()
        func visit(_ e: Expr) { names.formUnion(namesInOrder(e)) }
        func visitArgs(_ args: CallArgs) {
            args.positional.forEach(visit)
            args.keywords.forEach { visit($0.1) }
            args.starArgs.map(visit)
            args.starKwargs.map(visit)
        }
        func visitNodes(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .output, .breakLoop, .continueLoop, .declareMissing: break
                case let .print(e, _), let .set(_, e, _): visit(e)
                case let .ifNode(branches, otherwise, _):
                    for (t, body, _) in branches { visit(t); visitNodes(body) }
                    visitNodes(otherwise)
                case let .forNode(_, iter, filter, body, otherwise, _, _):
                    visit(iter); filter.map(visit); visitNodes(body); visitNodes(otherwise)
                case let .setBlock(_, filter, body, _): filter.map(visit); visitNodes(body)
                case let .macro(_, params, body, _):
                    params.compactMap { $0.1 }.forEach(visit); visitNodes(body)
                case let .callBlock(call, _, body, _): visit(call); visitNodes(body)
                case let .filterBlock(filter, body, _): visit(filter); visitNodes(body)
                case let .with(targets, body, _): targets.forEach { visit($0.1) }; visitNodes(body)
                case let .generation(body): visitNodes(body)
                }
            }
        }
        visitNodes(nodes)
        return names
    }

    static func check(_ nodes: [Node], soft: Bool = false) throws {
        for n in nodes { try check(n, soft: soft) }
    }

    static func check(_ node: Node, soft: Bool) throws {
        switch node {
        case .output, .breakLoop, .continueLoop, .declareMissing: break
        case let .print(e, _): try check(e, soft: soft)
        case let .ifNode(branches, otherwise, _):
            for (t, body, _) in branches { try check(t, soft: true); try check(body, soft: true) }
            try check(otherwise, soft: true)
        case let .forNode(_, iter, filter, body, otherwise, _, _):
            try check(iter, soft: soft)
            if let filter { try check(filter, soft: soft) }
            try check(body, soft: soft)
            try check(otherwise, soft: soft)
        case let .set(_, e, _): try check(e, soft: soft)
        case let .setBlock(_, filter, body, _):
            if let filter { try check(filter, soft: soft) }
            try check(body, soft: soft)
        case let .macro(_, params, body, _):
            for case let (_, d?) in params { try check(d, soft: soft) }
            try check(body, soft: soft)
        case let .callBlock(call, _, body, _): try check(call, soft: soft); try check(body, soft: soft)
        case let .filterBlock(filter, body, _): try check(filter, soft: soft); try check(body, soft: soft)
        case let .with(targets, body, _):
            for (_, e) in targets { try check(e, soft: soft) }
            try check(body, soft: soft)
        case let .generation(body): try check(body, soft: soft)
        }
    }

    static func check(_ args: CallArgs, soft: Bool) throws {
        for e in args.positional { try check(e, soft: soft) }
        for (_, e) in args.keywords { try check(e, soft: soft) }
        if let e = args.starArgs { try check(e, soft: soft) }
        if let e = args.starKwargs { try check(e, soft: soft) }
    }

    static func check(_ e: Expr, soft: Bool) throws {
        switch e {
        case .constant, .name: break
        case let .list(items, _), let .tuple(items, _), let .concat(items, _):
            for i in items { try check(i, soft: soft) }
        case let .dict(pairs, _): for (k, v) in pairs { try check(k, soft: soft); try check(v, soft: soft) }
        case let .getattr(o, _, _): try check(o, soft: soft)
        case let .getitem(o, a, _): try check(o, soft: soft); try check(a, soft: soft)
        case let .slice(a, b, c, _): for x in [a, b, c] { if let x { try check(x, soft: soft) } }
        case let .call(f, args, _): try check(f, soft: soft); try check(args, soft: soft)
        case let .filter(subject, name, args, line):
            if let subject { try check(subject, soft: soft) }
            try check(args, soft: soft)
            if !soft && !Filters.names.contains(name) {
                throw TemplateError.assertion("No filter named \(PyFormat.stringRepr(name)).", line: line)
            }
        case let .test(subject, name, args, line):
            try check(subject, soft: soft)
            try check(args, soft: soft)
            if !soft && !Tests.names.contains(name) {
                throw TemplateError.assertion("No test named \(PyFormat.stringRepr(name)).", line: line)
            }
        case let .unary(_, o, _): try check(o, soft: soft)
        case let .binary(_, l, r, _): try check(l, soft: soft); try check(r, soft: soft)
        case let .compare(f, ops, _):
            try check(f, soft: soft)
            for (_, x) in ops { try check(x, soft: soft) }
        case let .condition(t, a, b, _):
            try check(t, soft: true)
            try check(a, soft: true)
            if let b { try check(b, soft: true) }
        }
    }
}
