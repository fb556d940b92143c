/// Expressions, as Jinja2's parser builds them.
indirect enum Expr {
    case constant(JValue, line: Int)
    case name(String, line: Int)
    case list([Expr], line: Int)
    case tuple([Expr], line: Int)
    case dict([(Expr, Expr)], line: Int)
    case getattr(Expr, String, line: Int)
    case getitem(Expr, Expr, line: Int)
    case slice(Expr?, Expr?, Expr?, line: Int)
    case call(Expr, CallArgs, line: Int)
    case filter(Expr?, String, CallArgs, line: Int)
    case test(Expr, String, CallArgs, line: Int)
    case unary(String, Expr, line: Int)          // "not", "-", "+"
    case binary(String, Expr, Expr, line: Int)   // + - * / // % ** and or
    case concat([Expr], line: Int)
    case compare(Expr, [(String, Expr)], line: Int)
    case condition(test: Expr, then: Expr, otherwise: Expr?, line: Int)

    var line: Int {
        switch self {
        case let .constant(_, l), let .name(_, l), let .list(_, l), let .tuple(_, l), let .dict(_, l),
             let .getattr(_, _, l), let .getitem(_, _, l), let .slice(_, _, _, l), let .call(_, _, l),
             let .filter(_, _, _, l), let .test(_, _, _, l), let .unary(_, _, l), let .binary(_, _, _, l),
             let .concat(_, l), let .compare(_, _, l), let .condition(_, _, _, l):
            return l
        }
    }
}

extension Expr {
    /// Filters that receive the template context; Jinja2's optimizer never folds them.
    static let contextFilters: Set<String> = ["map", "select", "reject", "selectattr", "rejectattr"]
}

/// Arguments of a call, filter or test.
struct CallArgs {
    var positional: [Expr] = []
    var keywords: [(String, Expr)] = []
    var starArgs: Expr? = nil
    var starKwargs: Expr? = nil
}

/// Where `set` and `for` store values.
indirect enum Target {
    case name(String)
    case namespaceAttr(String, String)
    case tuple([Target])
}

/// Template statements.
indirect enum Node {
    case output(String)
    case print(Expr, line: Int)
    /// Each branch keeps the line Jinja2 reports its test's errors on (`if` token, or the first
    /// token of an `elif` test).
    case ifNode([(Expr, [Node], Int)], otherwise: [Node], line: Int)
    case forNode(target: Target, iter: Expr, filter: Expr?, body: [Node], otherwise: [Node], recursive: Bool, line: Int)
    case set(Target, Expr, line: Int)
    case setBlock(Target, filter: Expr?, body: [Node], line: Int)
    case macro(name: String, params: [(String, Expr?)], body: [Node], line: Int)
    case callBlock(call: Expr, params: [(String, Expr?)], body: [Node], line: Int)
    case filterBlock(filter: Expr, body: [Node], line: Int)
    case with(targets: [(Target, Expr)], body: [Node], line: Int)
    case breakLoop(line: Int)
    case continueLoop(line: Int)
    /// transformers' `{% generation %}`: renders its body unchanged (in its own frame, since
    /// Jinja2 compiles it as a call block).
    case generation([Node])
    /// Start of a frame: these names are assigned somewhere in the frame before being read, so
    /// Jinja2 starts them as "missing" (undefined) rather than reading an outer or context value.
    case declareMissing([String])
}
