/// Jinja2's built-in tests (`x is defined`, `x is string`, ...).
enum Tests {
    static let names: Set<String> = [
        "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==", "escaped", "even", "false",
        "filter", "float", "ge", ">=", "gt", ">", "greaterthan", "in", "integer", "iterable", "le", "<=", "lower",
        "lt", "<", "lessthan", "mapping", "ne", "!=", "none", "number", "odd", "sameas", "sequence", "string",
        "test", "true", "undefined", "upper",
    ]

    static func apply(_ name: String, _ value: JValue, _ args: [JValue], _ kwargs: [(String, JValue)],
                      _ interp: Interpreter) throws -> Bool {
        func arg() throws -> JValue {
            let a = try bindArguments(name, ["other"], args, kwargs)
            guard let v = a[0] else { throw TemplateError.typeError("test_\(name)() missing 1 required positional argument") }
            return v
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true }; return false
        case "boolean": if case .bool = value { return true }; return false
        case "true": if case .bool(true) = value { return true }; return false
        case "false": if case .bool(false) = value { return true }; return false
        case "integer": if case .int = value { return true }; return false
        case "float": if case .double = value { return true }; return false
        case "number": return value.asNumber != nil
        case "string": if case .string = value { return true }; return false
        case "mapping": if case .dict = value { return true }; return false
        case "iterable":
            switch value {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "callable":
            switch value {
            case .function, .undefined, .loop: return true
            default: return false
            }
        case "escaped": return false
        case "odd", "even":
            // value % 2 == 1 (or 0), with Python's errors for values that do not support %.
            return try Operators.binary("%", value, .int(2)).pyEquals(.int(name == "odd" ? 1 : 0))
        case "divisibleby":
            let n = try arg()
            return try Operators.binary("%", value, n).pyEquals(.int(0))
        case "eq", "equalto", "==": return value.pyEquals(try arg())
        case "ne", "!=": return !value.pyEquals(try arg())
        case "lt", "<", "lessthan": return try Operators.compare("<", value, try arg())
        case "le", "<=": return try Operators.compare("<=", value, try arg())
        case "gt", ">", "greaterthan": return try Operators.compare(">", value, try arg())
        case "ge", ">=": return try Operators.compare(">=", value, try arg())
        case "in": return try Operators.contains(try arg(), value)
        case "lower":
            let s = Array(PyFormat.str(value).unicodeScalars).filter { $0.properties.isCased }
            return !s.isEmpty && s.allSatisfy { !$0.properties.isUppercase }
        case "upper":
            let s = Array(PyFormat.str(value).unicodeScalars).filter { $0.properties.isCased }
            return !s.isEmpty && s.allSatisfy { !$0.properties.isLowercase }
        case "sameas":
            let other = try arg()
            switch (value, other) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            case let (.int(a), .int(b)): return a == b && (-5...256).contains(a)
            default: return false
            }
        case "filter":
            guard case let .string(n) = try arg() else { return false }
            return Filters.names.contains(n)
        case "test":
            guard case let .string(n) = try arg() else { return false }
            return names.contains(n)
        default:
            throw TemplateError.runtime("No test named \(PyFormat.stringRepr(name)) found.", line: nil)
        }
    }
}
