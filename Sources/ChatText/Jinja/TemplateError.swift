/// Everything that can go wrong parsing or rendering a template. Each case carries the message
/// Python Jinja2 gives for the same failure and the template line it happened on (when known).
public enum TemplateError: Error, CustomStringConvertible, Equatable {
    /// The template text is not valid Jinja (jinja2.TemplateSyntaxError).
    case syntax(String, line: Int)
    /// A filter or test the template names does not exist (jinja2.TemplateAssertionError).
    case assertion(String, line: Int?)
    /// An operation on an undefined value (jinja2.UndefinedError).
    case undefined(String, line: Int?)
    /// The template called `raise_exception(message)` (jinja2.TemplateError).
    case raised(String, line: Int?)
    /// The sandbox refused an operation, e.g. `list.append` (jinja2.sandbox.SecurityError).
    case security(String, line: Int?)
    /// jinja2.TemplateRuntimeError, e.g. assigning an attribute of a non-namespace.
    case runtime(String, line: Int?)
    /// A Python exception raised by an operation (`TypeError`, `ValueError`, `ZeroDivisionError`...).
    case python(type: String, message: String, line: Int?)
    /// Something valid in Jinja2 that this interpreter does not implement.
    case unsupported(String, line: Int?)

    /// The Python exception class name Jinja2 raises for this error.
    public var kind: String {
        switch self {
        case .syntax: return "TemplateSyntaxError"
        case .assertion: return "TemplateAssertionError"
        case .undefined: return "UndefinedError"
        case .raised: return "TemplateError"
        case .security: return "SecurityError"
        case .runtime: return "TemplateRuntimeError"
        case let .python(type, _, _): return type
        case .unsupported: return "Unsupported"
        }
    }

    /// The message, as `str(exception)` gives it in Python.
    public var message: String {
        switch self {
        case let .syntax(m, _), let .assertion(m, _), let .undefined(m, _), let .raised(m, _),
             let .security(m, _), let .runtime(m, _), let .unsupported(m, _): return m
        case let .python(_, m, _): return m
        }
    }

    /// The 1-based template line, when known.
    public var line: Int? {
        switch self {
        case let .syntax(_, l): return l
        case let .assertion(_, l), let .undefined(_, l), let .raised(_, l), let .security(_, l),
             let .runtime(_, l), let .unsupported(_, l): return l
        case let .python(_, _, l): return l
        }
    }

    public var description: String {
        let place = line.map { " (template line \($0))" } ?? ""
        return "\(kind): \(message)\(place)"
    }

    /// The same error, placed on `line` unless it already has one.
    func at(line newLine: Int) -> TemplateError {
        guard line == nil else { return self }
        switch self {
        case .syntax: return self
        case let .assertion(m, _): return .assertion(m, line: newLine)
        case let .undefined(m, _): return .undefined(m, line: newLine)
        case let .raised(m, _): return .raised(m, line: newLine)
        case let .security(m, _): return .security(m, line: newLine)
        case let .runtime(m, _): return .runtime(m, line: newLine)
        case let .python(t, m, _): return .python(type: t, message: m, line: newLine)
        case let .unsupported(m, _): return .unsupported(m, line: newLine)
        }
    }

    static func typeError(_ message: String) -> TemplateError { .python(type: "TypeError", message: message, line: nil) }
    static func valueError(_ message: String) -> TemplateError { .python(type: "ValueError", message: message, line: nil) }
}
