import Foundation
import OrderedCollections
import WinnowJSON

/// A value while a template runs: the Python objects Jinja2 templates see.
/// Lists and dicts are values (the immutable sandbox forbids mutating them); namespaces and
/// loop objects are references because templates do mutate namespaces.
indirect enum JValue {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([JValue])
    case tuple([JValue])
    case dict(JDict)
    case undefined(Undefined)
    case namespace(Namespace)
    case function(Function)
    case loop(LoopState)

    init(_ value: Value) {
        switch value {
        case let .string(s): self = .string(s)
        case let .int(i): self = .int(i)
        case let .double(d): self = .double(d)
        case let .bool(b): self = .bool(b)
        case .null: self = .none
        case let .array(a): self = .list(a.map(JValue.init))
        case let .object(o):
            var d = JDict()
            for (k, v) in o { d[k] = JValue(v) }
            self = .dict(d)
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true }; return false }
}

/// A Python dict with string keys, in insertion order: swift-collections' `OrderedDictionary`,
/// keyed by `JSONKey` so keys are distinct when their text is (Python compares str by code
/// points; Swift's `String ==` would merge canonically equivalent keys).
struct JDict {
    private var storage: OrderedDictionary<JSONKey, JValue> = [:]

    var count: Int { storage.count }
    var keys: [String] { storage.keys.map(\.string) }
    var values: [JValue] { Array(storage.values) }
    var pairs: [(String, JValue)] { storage.map { ($0.key.string, $0.value) } }

    /// Setting a new key appends it; setting an existing one keeps its place; nil removes it.
    subscript(key: String) -> JValue? {
        get { storage[JSONKey(key)] }
        set { storage[JSONKey(key)] = newValue }
    }
}

/// Jinja2's default `Undefined`: prints as "", iterates as empty, is falsy, and raises
/// `UndefinedError` on attribute access, calls and arithmetic.
struct Undefined {
    var hint: String? = nil
    /// `repr(name)` as Python would print it: 'foo' for strings, 0 for ints.
    var nameRepr: String? = nil
    var nameIsString = true
    /// `object_type_repr(obj)` of the object the lookup failed on, nil for a missing variable.
    var objectType: String? = nil
    /// The sandbox's unsafe-attribute undefined raises SecurityError instead.
    var isSecurity = false

    var message: String {
        if let hint { return hint }
        guard let objectType else { return "\(nameRepr ?? "None") is undefined" }
        if !nameIsString { return "\(objectType) has no element \(nameRepr ?? "None")" }
        return "\(PyFormat.repr(.string(objectType))) has no attribute \(nameRepr ?? "None")"
    }

    var error: TemplateError {
        isSecurity ? .security(message, line: nil) : .undefined(message, line: nil)
    }

    static func missing(_ name: String) -> Undefined {
        Undefined(nameRepr: PyFormat.repr(.string(name)))
    }

    static func member(of object: JValue, _ name: JValue) -> Undefined {
        var isString = false
        if case .string = name { isString = true }
        return Undefined(nameRepr: PyFormat.repr(name), nameIsString: isString, objectType: PyFormat.objectTypeRepr(object))
    }
}

/// `jinja2.utils.Namespace` as transformers subclasses it (no underscore-prefixed names).
final class Namespace {
    var attributes = JDict()
}

/// A callable: a global function, a macro, a bound method or a filter-like helper.
final class Function {
    let name: String
    /// Macros print as `<Macro 'name'>` and expose `name` and `arguments`.
    var macroArguments: [String]? = nil
    let body: (_ args: [JValue], _ kwargs: [(String, JValue)]) throws -> JValue
    init(_ name: String, _ body: @escaping (_ args: [JValue], _ kwargs: [(String, JValue)]) throws -> JValue) {
        self.name = name
        self.body = body
    }
}

/// The `loop` variable inside a for loop.
final class LoopState {
    let items: [JValue]
    var index0 = 0
    let depth0: Int
    var lastChanged: [JValue]? = nil
    /// For `recursive` loops: renders the loop body over child items.
    var recurse: ((JValue) throws -> JValue)? = nil
    init(items: [JValue], depth0: Int) {
        self.items = items
        self.depth0 = depth0
    }
}

extension JValue {
    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .none, .undefined: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .double(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .list(a), let .tuple(a): return !a.isEmpty
        case let .dict(d): return d.count > 0
        case .namespace, .function, .loop: return true
        }
    }

    /// The Python type name, as used in error messages.
    var typeName: String {
        switch self {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .undefined: return "Undefined"
        case .namespace: return "TemplateNamespace"
        case let .function(f): return f.macroArguments == nil ? "function" : "Macro"
        case .loop: return "LoopContext"
        }
    }

    /// The number as a Double, for bool/int/float.
    var asDouble: Double? {
        switch self {
        case let .bool(b): return b ? 1 : 0
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: return nil
        }
    }

    /// The integer value of bool/int.
    var asInt: Int? {
        switch self {
        case let .bool(b): return b ? 1 : 0
        case let .int(i): return i
        default: return nil
        }
    }

    /// Python `==`.
    func pyEquals(_ other: JValue) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case (.undefined, .undefined): return true
        case let (.string(a), .string(b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case let (.list(a), .list(b)), let (.tuple(a), .tuple(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pyEquals($1) }
        case let (.dict(a), .dict(b)):
            return a.count == b.count && a.keys.allSatisfy { k in b[k].map { a[k]!.pyEquals($0) } ?? false }
        case let (.namespace(a), .namespace(b)): return a === b
        case let (.function(a), .function(b)): return a === b
        case let (.loop(a), .loop(b)): return a === b
        default:
            if let x = self.asNumber, let y = other.asNumber {
                switch (x, y) {
                case let (.int(p), .int(q)): return p == q
                default: return x.asDouble! == y.asDouble!
                }
            }
            return false
        }
    }

    /// bool/int as .int, float as .double, others nil.
    var asNumber: JValue? {
        switch self {
        case let .bool(b): return .int(b ? 1 : 0)
        case .int, .double: return self
        default: return nil
        }
    }
}
