import Foundation

/// Python's arithmetic and comparison operators on template values.
enum Operators {
    static func unary(_ op: String, _ v: JValue) throws -> JValue {
        if case let .undefined(u) = v { throw u.error }
        switch (op, v.asNumber) {
        case ("-", .int(let i)?):
            let (r, overflow) = (0).subtractingReportingOverflow(i)
            if overflow { throw overflowError() }
            return .int(r)
        case ("-", .double(let d)?): return .double(-d)
        case ("+", .some(let n)): return n
        default: throw TemplateError.typeError("bad operand type for unary \(op): \(PyFormat.stringRepr(v.typeName))")
        }
    }

    /// Largest string or list a single operation may build (Python would try and exhaust memory;
    /// a service must refuse instead).
    static let maxResultSize = 50_000_000

    static func checkSize(_ elements: Int, _ each: Int = 1) throws {
        let (total, overflow) = elements.multipliedReportingOverflow(by: max(each, 1))
        if overflow || total > maxResultSize {
            throw TemplateError.python(type: "MemoryError", message: "result would exceed \(maxResultSize) elements", line: nil)
        }
    }

    static func overflowError() -> TemplateError {
        .unsupported("integer result does not fit in 64 bits", line: nil)
    }

    private static func unsupported(_ op: String, _ a: JValue, _ b: JValue) -> TemplateError {
        .typeError("unsupported operand type(s) for \(op): \(PyFormat.stringRepr(a.typeName)) and \(PyFormat.stringRepr(b.typeName))")
    }

    static func binary(_ op: String, _ a: JValue, _ b: JValue) throws -> JValue {
        // str.__mod__ runs before the right operand is looked at, even when it is undefined.
        if op == "%", case let .string(format) = a { return .string(try PercentFormat.format(format, b)) }
        if case let .undefined(u) = a { throw u.error }
        if case let .undefined(u) = b { throw u.error }
        if let x = a.asNumber, let y = b.asNumber { return try numeric(op, x, y) }
        switch op {
        case "+":
            switch (a, b) {
            case let (.string(x), .string(y)): return .string(x + y)
            case let (.list(x), .list(y)): return .list(x + y)
            case let (.tuple(x), .tuple(y)): return .tuple(x + y)
            case (.string, _), (.list, _), (.tuple, _):
                throw TemplateError.typeError("can only concatenate \(a.typeName) (not \"\(b.typeName)\") to \(a.typeName)")
            default: throw unsupported("+", a, b)
            }
        case "*":
            func repeatSeq(_ seq: JValue, _ n: Int) throws -> JValue {
                let k = max(0, n)
                switch seq {
                case let .string(s): try checkSize(k, s.utf8.count)
                case let .list(l), let .tuple(l): try checkSize(k, l.count)
                default: break
                }
                switch seq {
                case let .string(s): return .string(String(repeating: s, count: k))
                case let .list(l): return .list(Array([[JValue]](repeating: l, count: k).joined()))
                case let .tuple(l): return .tuple(Array([[JValue]](repeating: l, count: k).joined()))
                default: return seq
                }
            }
            switch (a, b) {
            case (.string, _), (.list, _), (.tuple, _):
                if let n = b.asInt { return try repeatSeq(a, n) }
                if case .double = b { throw TemplateError.typeError("can't multiply sequence by non-int of type 'float'") }
                if b.asNumber == nil, case .string = b { throw TemplateError.typeError("can't multiply sequence by non-int of type 'str'") }
                throw TemplateError.typeError("can't multiply sequence by non-int of type \(PyFormat.stringRepr(b.typeName))")
            case (_, .string), (_, .list), (_, .tuple):
                if let n = a.asInt { return try repeatSeq(b, n) }
                throw TemplateError.typeError("can't multiply sequence by non-int of type \(PyFormat.stringRepr(a.typeName))")
            default: throw unsupported("*", a, b)
            }
        case "%":
            if case let .string(format) = a { return .string(try PercentFormat.format(format, b)) }
            throw unsupported("%", a, b)
        default:
            throw unsupported(op, a, b)
        }
    }

    private static func numeric(_ op: String, _ a: JValue, _ b: JValue) throws -> JValue {
        if case let .int(x) = a, case let .int(y) = b {
            switch op {
            case "+": let r = x.addingReportingOverflow(y); if r.overflow { throw overflowError() }; return .int(r.partialValue)
            case "-": let r = x.subtractingReportingOverflow(y); if r.overflow { throw overflowError() }; return .int(r.partialValue)
            case "*": let r = x.multipliedReportingOverflow(by: y); if r.overflow { throw overflowError() }; return .int(r.partialValue)
            case "/":
                if y == 0 { throw TemplateError.python(type: "ZeroDivisionError", message: "division by zero", line: nil) }
                return .double(Double(x) / Double(y))
            case "//":
                if y == 0 { throw TemplateError.python(type: "ZeroDivisionError", message: "integer division or modulo by zero", line: nil) }
                // Int.min // -1 is 2**63 in Python: not representable (and Swift's `/` would trap).
                if y == -1 { let r = (0).subtractingReportingOverflow(x); if r.overflow { throw overflowError() }; return .int(r.partialValue) }
                var q = x / y
                if (x % y != 0) && ((x < 0) != (y < 0)) { q -= 1 }
                return .int(q)
            case "%":
                if y == 0 { throw TemplateError.python(type: "ZeroDivisionError", message: "integer modulo by zero", line: nil) }
                // Anything % -1 is 0; Swift's `%` traps on Int.min % -1.
                if y == -1 { return .int(0) }
                var r = x % y
                if r != 0 && ((r < 0) != (y < 0)) { r += y }
                return .int(r)
            case "**":
                if y < 0 { return .double(pow(Double(x), Double(y))) }
                var result = 1
                var base = x
                var e = y
                while e > 0 {
                    if e & 1 == 1 {
                        let r = result.multipliedReportingOverflow(by: base)
                        if r.overflow { throw overflowError() }
                        result = r.partialValue
                    }
                    e >>= 1
                    if e > 0 {
                        let r = base.multipliedReportingOverflow(by: base)
                        if r.overflow { throw overflowError() }
                        base = r.partialValue
                    }
                }
                return .int(result)
            default: break
            }
        }
        let x = a.asDouble!, y = b.asDouble!
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/":
            if y == 0 { throw TemplateError.python(type: "ZeroDivisionError", message: "float division by zero", line: nil) }
            return .double(x / y)
        case "//":
            if y == 0 { throw TemplateError.python(type: "ZeroDivisionError", message: "float floor division by zero", line: nil) }
            return .double(floorDivide(x, y))
        case "%":
            if y == 0 { throw TemplateError.python(type: "ZeroDivisionError", message: "float modulo", line: nil) }
            var r = fmod(x, y)
            if r != 0 {
                if (r < 0) != (y < 0) { r += y }
            } else {
                r = copysign(0.0, y)
            }
            return .double(r)
        case "**":
            if x == 0 && y < 0 { throw TemplateError.python(type: "ZeroDivisionError", message: "0.0 cannot be raised to a negative power", line: nil) }
            let r = pow(x, y)
            // CPython's float pow reports overflow (errno ERANGE) instead of returning inf.
            if r.isInfinite && x.isFinite && y.isFinite {
                throw TemplateError.python(type: "OverflowError", message: "(34, 'Numerical result out of range')", line: nil)
            }
            return .double(r)
        default: throw TemplateError.unsupported("operator \(op)", line: nil)
        }
    }

    /// CPython's float floor division (float_divmod), which is not floor(x / y): 2.5 // 0.1 == 24.0.
    static func floorDivide(_ vx: Double, _ wx: Double) -> Double {
        var mod = fmod(vx, wx)
        var div = (vx - mod) / wx
        if mod != 0 {
            if (wx < 0) != (mod < 0) { mod += wx; div -= 1 }
        }
        if div != 0 {
            var floordiv = div.rounded(.down)
            if div - floordiv > 0.5 { floordiv += 1 }
            return floordiv
        }
        return copysign(0.0, vx / wx)
    }

    static func compare(_ op: String, _ a: JValue, _ b: JValue) throws -> Bool {
        switch op {
        case "==": return a.pyEquals(b)
        case "!=": return !a.pyEquals(b)
        case "in": return try contains(b, a)
        case "notin": return !(try contains(b, a))
        default: break
        }
        if case let .undefined(u) = a { throw u.error }
        if case let .undefined(u) = b { throw u.error }
        guard let order = try ordering(a, b, op) else {
            throw TemplateError.typeError("\(PyFormat.stringRepr(op)) not supported between instances of \(PyFormat.stringRepr(a.typeName)) and \(PyFormat.stringRepr(b.typeName))")
        }
        switch op {
        case "<": return order < 0
        case "<=": return order <= 0
        case ">": return order > 0
        default: return order >= 0
        }
    }

    /// -1/0/1 for comparable values, nil when Python raises TypeError.
    static func ordering(_ a: JValue, _ b: JValue, _ op: String = "<") throws -> Int? {
        if let x = a.asNumber, let y = b.asNumber {
            if case let .int(p) = x, case let .int(q) = y { return p < q ? -1 : (p == q ? 0 : 1) }
            let p = x.asDouble!, q = y.asDouble!
            return p < q ? -1 : (p == q ? 0 : 1)
        }
        switch (a, b) {
        case let (.string(x), .string(y)):
            if x.unicodeScalars.elementsEqual(y.unicodeScalars) { return 0 }
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) { $0.value < $1.value } ? -1 : 1
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
            for (p, q) in zip(x, y) where !p.pyEquals(q) {
                // Undefined's rich comparisons raise, whichever side it is on.
                if case let .undefined(u) = p { throw u.error }
                if case let .undefined(u) = q { throw u.error }
                guard let o = try ordering(p, q, op) else {
                    throw TemplateError.typeError("\(PyFormat.stringRepr(op)) not supported between instances of \(PyFormat.stringRepr(p.typeName)) and \(PyFormat.stringRepr(q.typeName))")
                }
                return o
            }
            return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
        default: return nil
        }
    }

    /// Python `item in container`.
    static func contains(_ container: JValue, _ item: JValue) throws -> Bool {
        switch container {
        case let .string(s):
            guard case let .string(sub) = item else {
                throw TemplateError.typeError("'in <string>' requires string as left operand, not \(item.typeName)")
            }
            return sub.isEmpty || scalarContains(s, sub)
        case let .list(a), let .tuple(a): return a.contains { $0.pyEquals(item) }
        case let .dict(d):
            switch item {
            case let .string(k): return d[k] != nil
            case .list, .dict: throw TemplateError.typeError("unhashable type: \(PyFormat.stringRepr(item.typeName))")
            default: return false
            }
        case .undefined: return false
        default:
            throw TemplateError.typeError("argument of type \(PyFormat.stringRepr(container.typeName)) is not iterable")
        }
    }

    /// Substring test on Unicode scalars (Swift's String.contains compares grapheme clusters).
    static func scalarContains(_ s: String, _ sub: String) -> Bool {
        StringOps.findBytes(Array(s.utf8), Array(sub.utf8), from: 0) != nil
    }
}
