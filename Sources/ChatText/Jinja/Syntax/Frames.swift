/// Jinja2's compile-time symbol analysis (jinja2/idtracking.py), which decides what a variable
/// reads before the frame assigns it. Usually that is the outer or context value, which the
/// interpreter's scope chain gives for free. But when a frame assigns a name that it did not read
/// first (in every branch), Jinja2 starts the name as missing, so reads from nested frames
/// (loops, macros) before the assignment see an undefined value, not the context's:
///
///     {% for m in messages %}{{ x }}{% endfor %}{% set x = 1 %}   -> x is undefined in the loop
///
/// `Frames.annotate` runs that analysis and prepends `.declareMissing(names)` to each frame body.
enum Frames {
    /// Port of jinja2.idtracking.Symbols.
    final class Symbols {
        enum Load { case parameter, resolve, alias, undefined }

        let parent: Symbols?
        let level: Int
        var refs: [String: String] = [:]
        var loads: [String: Load] = [:]
        /// Insertion order of `loads` keys (Python dicts are ordered).
        var loadOrder: [String] = []
        var stores: Set<String> = []

        init(parent: Symbols?) {
            self.parent = parent
            level = parent.map { $0.level + 1 } ?? 0
        }

        private init(copying other: Symbols) {
            parent = other.parent
            level = other.level
            refs = other.refs
            loads = other.loads
            loadOrder = other.loadOrder
            stores = other.stores
        }

        func copy() -> Symbols { Symbols(copying: self) }

        func setLoad(_ ident: String, _ load: Load) {
            if loads.updateValue(load, forKey: ident) == nil { loadOrder.append(ident) }
        }

        @discardableResult
        func defineRef(_ name: String, _ load: Load?) -> String {
            let ident = "l_\(level)_\(name)"
            refs[name] = ident
            if let load { setLoad(ident, load) }
            return ident
        }

        func findRef(_ name: String) -> String? { refs[name] ?? parent?.findRef(name) }

        func store(_ name: String) {
            stores.insert(name)
            guard refs[name] == nil else { return }
            if let parent, parent.findRef(name) != nil {
                defineRef(name, .alias)
                return
            }
            defineRef(name, .undefined)
        }

        func declareParameter(_ name: String) {
            stores.insert(name)
            defineRef(name, .parameter)
        }

        func load(_ name: String) {
            if findRef(name) == nil { defineRef(name, .resolve) }
        }

        /// Every name assigned in some branch of an `if` (and not assigned before it) reads the
        /// outer or context value until assigned, never starts missing.
        func branchUpdate(_ branches: [Symbols]) {
            var branchStores = Set<String>()
            for branch in branches { branchStores.formUnion(branch.stores) }
            branchStores.subtract(stores)
            for branch in branches {
                refs.merge(branch.refs) { _, new in new }
                for ident in branch.loadOrder { setLoad(ident, branch.loads[ident]!) }
                stores.formUnion(branch.stores)
            }
            for name in branchStores {
                guard let target = findRef(name) else { continue }
                if let parent, parent.findRef(name) != nil {
                    setLoad(target, .alias)
                } else {
                    setLoad(target, .resolve)
                }
            }
        }

        /// Names this frame starts as missing.
        var undefinedNames: [String] {
            let prefix = "l_\(level)_"
            return loadOrder.filter { loads[$0] == .undefined }.map { String($0.dropFirst(prefix.count)) }
        }
    }

    static func annotate(_ nodes: [Node]) -> [Node] {
        let root = Symbols(parent: nil)
        for n in nodes { visit(n, root) }
        return frame(root, annotateChildren(nodes, root))
    }

    private static func frame(_ symbols: Symbols, _ body: [Node]) -> [Node] {
        let missing = symbols.undefinedNames
        return missing.isEmpty ? body : [.declareMissing(missing)] + body
    }

    /// Rewrites the nested frames inside a frame's statements (if branches stay in the frame).
    private static func annotateChildren(_ nodes: [Node], _ symbols: Symbols) -> [Node] {
        nodes.map { node in
            switch node {
            case let .ifNode(branches, otherwise, line):
                return .ifNode(branches.map { ($0.0, annotateChildren($0.1, symbols), $0.2) },
                               otherwise: annotateChildren(otherwise, symbols), line: line)
            case let .forNode(target, iter, filter, body, otherwise, recursive, line):
                let loopSymbols = Symbols(parent: symbols)
                if recursive || NameCheck.referencedNames(body).contains("loop") { loopSymbols.declareParameter("loop") }
                visitTarget(target, loopSymbols, asParameter: true)
                for n in body { visit(n, loopSymbols) }
                let elseSymbols = Symbols(parent: symbols)
                for n in otherwise { visit(n, elseSymbols) }
                return .forNode(target: target, iter: iter, filter: filter,
                                body: frame(loopSymbols, annotateChildren(body, loopSymbols)),
                                otherwise: frame(elseSymbols, annotateChildren(otherwise, elseSymbols)),
                                recursive: recursive, line: line)
            case let .macro(name, params, body, line):
                let s = macroSymbols(params, body, symbols)
                return .macro(name: name, params: params, body: frame(s, annotateChildren(body, s)), line: line)
            case let .callBlock(call, params, body, line):
                let s = macroSymbols(params, body, symbols)
                return .callBlock(call: call, params: params, body: frame(s, annotateChildren(body, s)), line: line)
            case let .generation(body):
                let s = macroSymbols([], body, symbols)
                return .generation(frame(s, annotateChildren(body, s)))
            case let .filterBlock(filter, body, line):
                let s = Symbols(parent: symbols)
                for n in body { visit(n, s) }
                visit(filter, s)
                return .filterBlock(filter: filter, body: frame(s, annotateChildren(body, s)), line: line)
            case let .with(targets, body, line):
                let s = Symbols(parent: symbols)
                for (t, _) in targets { visitTarget(t, s, asParameter: true) }
                for n in body { visit(n, s) }
                return .with(targets: targets, body: frame(s, annotateChildren(body, s)), line: line)
            case let .setBlock(target, filter, body, line):
                let s = Symbols(parent: symbols)
                for n in body { visit(n, s) }
                return .setBlock(target, filter: filter, body: frame(s, annotateChildren(body, s)), line: line)
            default:
                return node
            }
        }
    }

    private static func macroSymbols(_ params: [(String, Expr?)], _ body: [Node], _ parent: Symbols) -> Symbols {
        let s = Symbols(parent: parent)
        for (p, _) in params { s.declareParameter(p) }
        for case let (_, d?) in params { visit(d, s) }
        for n in body { visit(n, s) }
        let used = NameCheck.referencedNames(body)
        for special in ["caller", "kwargs", "varargs"] where used.contains(special) { s.declareParameter(special) }
        return s
    }

    private static func visitTarget(_ target: Target, _ s: Symbols, asParameter: Bool) {
        switch target {
        case let .name(n): asParameter ? s.declareParameter(n) : s.store(n)
        case let .namespaceAttr(ns, _): s.load(ns)
        case let .tuple(items): for t in items { visitTarget(t, s, asParameter: asParameter) }
        }
    }

    /// FrameSymbolVisitor: the statements of one frame, not descending into nested frames.
    private static func visit(_ node: Node, _ s: Symbols) {
        switch node {
        case .output, .breakLoop, .continueLoop, .declareMissing: break
        case let .print(e, _): visit(e, s)
        case let .ifNode(branches, otherwise, _):
            // Jinja2's If has the first branch as body, the others as one `elif_` list, then else.
            visit(branches[0].0, s)
            func inner(_ visitBranch: (Symbols) -> Void) -> Symbols {
                let copy = s.copy()
                visitBranch(copy)
                return copy
            }
            let body = inner { c in for n in branches[0].1 { visit(n, c) } }
            let elifs = inner { c in
                for (test, branchBody, branchLine) in branches.dropFirst() {
                    visit(.ifNode([(test, branchBody, branchLine)], otherwise: [], line: branchLine), c)
                }
            }
            let otherwiseSymbols = inner { c in for n in otherwise { visit(n, c) } }
            s.branchUpdate([body, elifs, otherwiseSymbols])
        case let .forNode(_, iter, _, _, _, _, _): visit(iter, s)
        case let .set(target, e, _):
            visit(e, s)
            visitTarget(target, s, asParameter: false)
        case let .setBlock(target, _, _, _): visitTarget(target, s, asParameter: false)
        case let .macro(name, _, _, _): s.store(name)
        case let .callBlock(call, _, _, _): visit(call, s)
        case .generation: break
        case let .filterBlock(filter, _, _): visit(filter, s)
        case let .with(targets, _, _): for (_, e) in targets { visit(e, s) }
        }
    }

    private static func visit(_ e: Expr, _ s: Symbols) {
        for n in NameCheck.namesInOrder(e) { s.load(n) }
    }
}
