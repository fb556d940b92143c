/// Attribute and item access as the immutable sandbox performs them: `x.name` tries the Python
/// attribute first (methods), then the item; `x[key]` tries the item first, then the attribute.
enum Members {
    /// Methods that mutate lists and dicts: the immutable sandbox refuses them.
    static let mutatingList: Set<String> = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"]
    static let mutatingDict: Set<String> = ["pop", "popitem", "setdefault", "update", "clear"]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get", "copy", "fromkeys"]
    static let listMethods: Set<String> = ["index", "count", "copy"]
    static let strMethods: Set<String> = [
        "split", "rsplit", "strip", "lstrip", "rstrip", "startswith", "endswith", "replace", "title", "upper",
        "lower", "capitalize", "find", "rfind", "index", "rindex", "count", "format", "join", "isdigit", "isalpha",
        "isalnum", "isspace", "isupper", "islower", "istitle", "isnumeric", "isdecimal", "zfill", "center",
        "ljust", "rjust", "splitlines", "swapcase", "partition", "rpartition", "casefold", "removeprefix",
        "removesuffix", "expandtabs", "encode", "format_map", "isidentifier", "isprintable", "isascii", "maketrans",
        "translate",
    ]

    static func unsafe(_ obj: JValue, _ name: String) -> JValue {
        .undefined(Undefined(hint: "access to attribute \(PyFormat.stringRepr(name)) of \(PyFormat.stringRepr(obj.typeName)) object is unsafe.", isSecurity: true))
    }

    /// The Python attribute `name` of `obj`, or nil when it has none.
    static func attribute(_ obj: JValue, _ name: String, _ interp: Interpreter) -> JValue? {
        if name.hasPrefix("__") && name.hasSuffix("__") { return unsafe(obj, name) }
        switch obj {
        case let .string(s):
            if strMethods.contains(name) { return .function(Function(name) { a, k in try Methods.string(s, name, a, k) }) }
        case let .dict(d):
            if mutatingDict.contains(name) { return unsafe(obj, name) }
            if dictMethods.contains(name) { return .function(Function(name) { a, k in try Methods.dict(d, name, a, k) }) }
        case let .list(l), let .tuple(l):
            if mutatingList.contains(name), case .list = obj { return unsafe(obj, name) }
            if listMethods.contains(name) { return .function(Function(name) { a, k in try Methods.list(l, name, a, k) }) }
        case let .namespace(ns):
            return ns.attributes[name]
        case let .loop(loop):
            return Methods.loopAttribute(loop, name)
        case let .function(f):
            guard let arguments = f.macroArguments else { break }
            if name == "name" { return .string(f.name) }
            if name == "arguments" { return .tuple(arguments.map { .string($0) }) }
        case let .double(d):
            if name == "real" { return .double(d) }
            if name == "imag" { return .double(0) }
            if name == "is_integer" { return .function(Function(name) { _, _ in .bool(d.rounded() == d && d.isFinite) }) }
        case let .int(i):
            if name == "real" || name == "numerator" { return .int(i) }
            if name == "imag" { return .int(0) }
            if name == "denominator" { return .int(1) }
        default: break
        }
        return nil
    }

    static func getattr(_ obj: JValue, _ name: String, _ interp: Interpreter) throws -> JValue {
        if case let .undefined(u) = obj { throw u.error }
        if let v = attribute(obj, name, interp) { return v }
        if case let .dict(d) = obj, let v = d[name] { return v }
        return .undefined(.member(of: obj, .string(name)))
    }

    static func getitem(_ obj: JValue, _ key: JValue, _ interp: Interpreter) throws -> JValue {
        if case let .undefined(u) = obj { throw u.error }
        switch (obj, key) {
        case let (.dict(d), .string(k)):
            if let v = d[k] { return v }
        case let (.list(a), _), let (.tuple(a), _):
            if let i = key.asInt, let v = index(a, i) { return v }
        case let (.string(s), _):
            if let i = key.asInt {
                let scalars = Array(s.unicodeScalars)
                if let v = index(scalars, i) { return .string(String(v)) }
            }
        default: break
        }
        if case let .string(name) = key, let v = attribute(obj, name, interp) { return v }
        return .undefined(.member(of: obj, key))
    }

    static func index<T>(_ a: [T], _ i: Int) -> T? {
        let j = i < 0 ? a.count + i : i
        return j >= 0 && j < a.count ? a[j] : nil
    }

    /// Python slice indices for a sequence of `count` elements.
    static func sliceIndices(_ count: Int, _ start: JValue?, _ stop: JValue?, _ step: JValue?) throws -> [Int] {
        func intOrNil(_ v: JValue?) throws -> Int? {
            guard let v else { return nil }
            if case .none = v { return nil }
            if let i = v.asInt { return i }
            if case let .undefined(u) = v { throw u.error }
            throw TemplateError.typeError("slice indices must be integers or None or have an __index__ method")
        }
        let st = try intOrNil(step) ?? 1
        if st == 0 { throw TemplateError.valueError("slice step cannot be zero") }
        var a = try intOrNil(start)
        var b = try intOrNil(stop)
        if st > 0 {
            var lo = a ?? 0, hi = b ?? count
            if lo < 0 { lo = max(0, lo + count) } else { lo = min(lo, count) }
            if hi < 0 { hi = max(0, hi + count) } else { hi = min(hi, count) }
            return lo < hi ? Array(stride(from: lo, to: hi, by: st)) : []
        } else {
            if let x = a { a = x < 0 ? max(-1, x + count) : min(x, count - 1) }
            if let y = b { b = y < 0 ? max(-1, y + count) : min(y, count - 1) }
            let lo = a ?? count - 1, hi = b ?? -1
            return lo > hi ? Array(stride(from: lo, to: hi, by: st)) : []
        }
    }

    /// The undefined the sandbox's getitem returns for an object that cannot be sliced.
    static func sliceUndefined(_ obj: JValue, _ start: JValue?, _ stop: JValue?, _ step: JValue?) -> Undefined {
        Undefined(nameRepr: "slice(\(start.map(PyFormat.repr) ?? "None"), \(stop.map(PyFormat.repr) ?? "None"), \(step.map(PyFormat.repr) ?? "None"))",
                  nameIsString: false, objectType: PyFormat.objectTypeRepr(obj))
    }

    static func slice(_ obj: JValue, _ start: JValue?, _ stop: JValue?, _ step: JValue?) throws -> JValue {
        switch obj {
        case let .list(a): return .list(try sliceIndices(a.count, start, stop, step).map { a[$0] })
        case let .tuple(a): return .tuple(try sliceIndices(a.count, start, stop, step).map { a[$0] })
        case let .string(s):
            let sc = Array(s.unicodeScalars)
            return .string(StringOps.str(try sliceIndices(sc.count, start, stop, step).map { sc[$0] }))
        case let .undefined(u): throw u.error
        case .dict:
            // Jinja2 compiles slices to a plain Python subscript, so Python's errors surface as they are.
            throw TemplateError.typeError("unhashable type: 'slice'")
        default:
            throw TemplateError.typeError("\(PyFormat.stringRepr(obj.typeName)) object is not subscriptable")
        }
    }
}
