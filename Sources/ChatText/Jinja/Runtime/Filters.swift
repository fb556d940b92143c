import Foundation

/// Jinja2's built-in filters (those chat templates use), with transformers' `tojson`.
enum Filters {
    static let names: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
        "first", "float", "forceescape", "format", "indent", "int", "items", "join", "last", "length", "list", "lower",
        "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select",
        "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount",
    ]

    static func apply(_ name: String, _ value: JValue, _ args: [JValue], _ kwargs: [(String, JValue)],
                      _ interp: Interpreter) throws -> JValue {
        func bind(_ params: [String]) throws -> [JValue?] {
            try bindArguments(name, params, args, kwargs)
        }
        switch name {
        case "abs":
            switch value.asNumber {
            case let .int(i)?:
                // abs(Int.min) is 2**63: not representable, and Swift's abs would trap.
                guard i != .min else { throw Operators.overflowError() }
                return .int(abs(i))
            case let .double(d)?: return .double(abs(d))
            default:
                // Undefined has no __abs__, so even it fails with Python's TypeError.
                throw TemplateError.typeError("bad operand type for abs(): \(PyFormat.stringRepr(value.typeName))")
            }
        case "attr":
            // Jinja's attr filter reads the Python attribute only, never the item.
            let a = try bind(["name"])
            guard case let .string(n)? = a[0] else { throw TemplateError.typeError("attribute name must be string") }
            if case let .undefined(u) = value { throw u.error }  // Undefined.__getattr__ raises
            return Members.attribute(value, n, interp) ?? .undefined(.member(of: value, .string(n)))
        case "batch":
            let a = try bind(["linecount", "fill_with"])
            let n = try Methods.requireInt(a[0], default: 1)
            let items = try interp.iterate(value)
            var out: [JValue] = []
            var cur: [JValue] = []
            for item in items {
                cur.append(item)
                if cur.count == n { out.append(.list(cur)); cur = [] }
            }
            if !cur.isEmpty {
                if let fill = a[1], !(fill.pyEquals(.none)) {
                    try Operators.checkSize(n)
                    while cur.count < n { cur.append(fill) }
                }
                out.append(.list(cur))
            }
            return .list(out)
        case "capitalize":
            _ = try bind([])
            return .string(StringOps.capitalize(PyFormat.str(value)))
        case "center":
            let a = try bind(["width"])
            return try Methods.string(PyFormat.str(value), "center", [a[0] ?? .int(80)], [])
        case "count", "length":
            _ = try bind([])
            switch value {
            case let .string(s): return .int(s.unicodeScalars.count)
            case let .list(a), let .tuple(a): return .int(a.count)
            case let .dict(d): return .int(d.count)
            case .undefined: return .int(0)
            case .namespace: throw TemplateError.typeError("object of type 'TemplateNamespace' has no len()")
            default: throw TemplateError.typeError("object of type \(PyFormat.stringRepr(value.typeName)) has no len()")
            }
        case "d", "default":
            let a = try bind(["default_value", "boolean"])
            let fallback = a[0] ?? .string("")
            if value.isUndefined || ((a[1]?.truthy ?? false) && !value.truthy) { return fallback }
            return value
        case "dictsort":
            let a = try bind(["case_sensitive", "by", "reverse"])
            if case let .undefined(u) = value { throw u.error }
            guard case let .dict(d) = value else { throw attributeError(value, "items") }
            let byValue: Bool
            switch a[1] {
            case nil, .string("key")?: byValue = false
            case .string("value")?: byValue = true
            default: throw TemplateError.python(type: "FilterArgumentError", message: "You can only sort by either \"key\" or \"value\"", line: nil)
            }
            let caseSensitive = a[0]?.truthy ?? false
            let pairs = d.pairs.map { JValue.tuple([.string($0.0), $0.1]) }
            return .list(try sortValues(pairs, reverse: a[2]?.truthy ?? false) { item in
                guard case let .tuple(kv) = item else { return item }
                let k = kv[byValue ? 1 : 0]
                return caseSensitive ? k : ignoreCase(k)
            })
        case "e", "escape", "forceescape":
            _ = try bind([])
            return .string(htmlEscape(PyFormat.str(value)))
        case "first":
            _ = try bind([])
            let items = try interp.iterate(value)
            return items.first ?? .undefined(Undefined(hint: "No first item, sequence was empty."))
        case "last":
            // next(iter(reversed(seq))): reversed() needs a sequence, unlike first's iter().
            _ = try bind([])
            let items: [JValue]
            switch value {
            case .list, .tuple, .string, .dict, .undefined: items = try interp.iterate(value)
            default: throw TemplateError.typeError("\(PyFormat.stringRepr(value.typeName)) object is not reversible")
            }
            return items.last ?? .undefined(Undefined(hint: "No last item, sequence was empty."))
        case "float":
            let a = try bind(["default"])
            if case let .undefined(u) = value { throw u.error }
            return toFloat(value) ?? a[0] ?? .double(0)
        case "format":
            // do_format: `value % args`, or `value % kwargs` with keyword arguments only.
            if !args.isEmpty && !kwargs.isEmpty {
                throw TemplateError.python(type: "FilterArgumentError", message: "can't handle positional and keyword arguments at the same time", line: nil)
            }
            var mapping = JDict()
            for (k, v) in kwargs { mapping[k] = v }
            return .string(try PercentFormat.format(PyFormat.str(value), kwargs.isEmpty ? .tuple(args) : .dict(mapping)))
        case "indent":
            let a = try bind(["width", "first", "blank"])
            let indention: String
            if case let .string(w)? = a[0] { indention = w } else {
                let width = try Methods.requireInt(a[0], default: 4)
                try Operators.checkSize(width)
                indention = String(repeating: " ", count: max(0, width))
            }
            // `s += "\n"` first: Python's errors for anything but a string.
            switch value {
            case .string: break
            case let .undefined(u): throw u.error
            case .list: throw attributeError(value, "splitlines")
            case .tuple: throw TemplateError.typeError("can only concatenate tuple (not \"str\") to tuple")
            default: throw TemplateError.typeError("unsupported operand type(s) for +=: \(PyFormat.stringRepr(value.typeName)) and 'str'")
            }
            let s = PyFormat.str(value) + "\n"
            var rv: String
            if a[2]?.truthy ?? false {
                rv = PyFormat.splitLines(s).joined(separator: "\n" + indention)
            } else {
                var lines = PyFormat.splitLines(s)
                rv = lines.removeFirst()
                if !lines.isEmpty {
                    rv += "\n" + lines.map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n")
                }
            }
            if a[1]?.truthy ?? false { rv = indention + rv }
            return .string(rv)
        case "int":
            let a = try bind(["default", "base"])
            let base = try Methods.requireInt(a[1], default: 10)
            if case let .undefined(u) = value { throw u.error }
            return try toInt(value, base: base) ?? a[0] ?? .int(0)
        case "items":
            _ = try bind([])
            switch value {
            case .undefined: return .list([])
            case let .dict(d): return .list(d.pairs.map { .tuple([.string($0.0), $0.1]) })
            default: throw TemplateError.typeError("Can only get item pairs from a mapping.")
            }
        case "join":
            let a = try bind(["d", "attribute"])
            var items = try interp.iterate(value)
            if let attr = a[1], !attr.pyEquals(.none) {
                let getter = try attrGetter(attr, interp)
                items = try items.map(getter)
            }
            let sep = a[0].map(PyFormat.str) ?? ""
            return .string(items.map(PyFormat.str).joined(separator: sep))
        case "list":
            _ = try bind([])
            return .list(try interp.iterate(value))
        case "lower":
            _ = try bind([])
            return .string(StringOps.lower(PyFormat.str(value)))
        case "upper":
            _ = try bind([])
            return .string(PyFormat.str(value).uppercased())
        case "map":
            // do_map and select_or_reject start with `if value:`, so falsy non-iterables give [].
            let items = value.truthy ? try interp.iterate(value) : []
            if args.isEmpty, let attrIndex = kwargs.firstIndex(where: { $0.0 == "attribute" }) {
                let defaultValue = kwargs.first { $0.0 == "default" }?.1
                if let extra = kwargs.first(where: { $0.0 != "attribute" && $0.0 != "default" }) {
                    throw TemplateError.python(type: "FilterArgumentError", message: "Unexpected keyword argument \(PyFormat.stringRepr(extra.0))", line: nil)
                }
                let getter = try attrGetter(kwargs[attrIndex].1, interp, default: defaultValue)
                return .list(try items.map(getter))
            }
            guard case let .string(filterName)? = args.first else {
                throw TemplateError.python(type: "FilterArgumentError", message: "map requires a filter argument", line: nil)
            }
            try checkExists(filterName, isFilter: true)
            return .list(try items.map { try apply(filterName, $0, Array(args.dropFirst()), kwargs, interp) })
        case "max", "min":
            let a = try bind(["case_sensitive", "attribute"])
            let items = try interp.iterate(value)
            guard !items.isEmpty else { return .undefined(Undefined(hint: "No aggregated item, sequence was empty.")) }
            let caseSensitive = a[0]?.truthy ?? false
            let getter = try a[1].map { try attrGetter($0, interp) }
            func key(_ v: JValue) throws -> JValue {
                let k = try getter?(v) ?? v
                return caseSensitive ? k : ignoreCase(k)
            }
            var best = items[0]
            var bestKey = try key(best)
            for item in items.dropFirst() {
                let k = try key(item)
                // Python's max() compares item > best, min() item < best.
                guard let o = try Operators.ordering(k, bestKey) else {
                    throw TemplateError.typeError("'\(name == "max" ? ">" : "<")' not supported between instances of \(PyFormat.stringRepr(k.typeName)) and \(PyFormat.stringRepr(bestKey.typeName))")
                }
                if name == "max" ? o > 0 : o < 0 { best = item; bestKey = k }
            }
            return best
        case "reject", "select":
            let items = value.truthy ? try interp.iterate(value) : []
            let keep = name == "select"
            guard case let .string(testName)? = args.first else {
                if args.isEmpty { return .list(items.filter { $0.truthy == keep }) }
                throw TemplateError.typeError("test name must be a string")
            }
            try checkExists(testName, isFilter: false)
            return .list(try items.filter { try Tests.apply(testName, $0, Array(args.dropFirst()), kwargs, interp) == keep })
        case "rejectattr", "selectattr":
            let items = value.truthy ? try interp.iterate(value) : []
            let keep = name == "selectattr"
            guard let attr = args.first else { throw TemplateError.python(type: "FilterArgumentError", message: "Missing parameter for attribute name", line: nil) }
            let getter = try attrGetter(attr, interp)
            if args.count < 2 { return .list(try items.filter { try getter($0).truthy == keep }) }
            guard case let .string(testName) = args[1] else { throw TemplateError.typeError("test name must be a string") }
            try checkExists(testName, isFilter: false)
            return .list(try items.filter { try Tests.apply(testName, try getter($0), Array(args.dropFirst(2)), kwargs, interp) == keep })
        case "replace":
            let a = try bind(["old", "new", "count"])
            let count = a[2].map { $0.pyEquals(.none) ? -1 : ($0.asInt ?? -1) } ?? -1
            return .string(StringOps.replace(PyFormat.str(value), a[0].map(PyFormat.str) ?? "", a[1].map(PyFormat.str) ?? "", count))
        case "reverse":
            _ = try bind([])
            if case let .string(s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            do { return .list(try interp.iterate(value).reversed()) } catch {
                throw TemplateError.python(type: "FilterArgumentError", message: "argument must be iterable", line: nil)
            }
        case "round":
            let a = try bind(["precision", "method"])
            let precision = try Methods.requireInt(a[0], default: 0)
            let method: String
            switch a[1] {
            case nil: method = "common"
            case let .string(m)?: method = m
            default: method = ""
            }
            guard ["common", "ceil", "floor"].contains(method) else {
                throw TemplateError.python(type: "FilterArgumentError", message: "method must be common, ceil or floor", line: nil)
            }
            guard let n = value.asNumber else {
                throw TemplateError.typeError("type \(value.typeName) doesn't define __round__ method")
            }
            if method == "common" {
                if case let .int(i) = n {
                    if precision >= 0 { return .int(i) }
                    return .int(try roundInteger(i, digits: precision))
                }
                return .double(pyRound(n.asDouble!, precision))
            }
            let scale = pow(10.0, Double(precision))
            let x = n.asDouble! * scale
            return .double((method == "ceil" ? x.rounded(.up) : x.rounded(.down)) / scale)
        case "safe":
            // Markup(value): a str (escaping semantics of Markup are not modelled).
            _ = try bind([])
            return .string(PyFormat.str(value))
        case "sort":
            let a = try bind(["reverse", "case_sensitive", "attribute"])
            let caseSensitive = a[1]?.truthy ?? false
            let getter = try a[2].flatMap { $0.pyEquals(.none) ? nil : try attrGetter($0, interp) }
            return .list(try sortValues(try interp.iterate(value), reverse: a[0]?.truthy ?? false) { item in
                let k = try getter?(item) ?? item
                return caseSensitive ? k : ignoreCase(k)
            })
        case "string":
            _ = try bind([])
            return .string(PyFormat.str(value))
        case "sum":
            let a = try bind(["attribute", "start"])
            var total = a[1] ?? .int(0)
            let getter = try a[0].flatMap { $0.pyEquals(.none) ? nil : try attrGetter($0, interp) }
            for item in try interp.iterate(value) { total = try Operators.binary("+", total, try getter?(item) ?? item) }
            return total
        case "title":
            _ = try bind([])
            return .string(jinjaTitle(PyFormat.str(value)))
        case "tojson":
            let a = try bind(["ensure_ascii", "indent", "separators", "sort_keys"])
            var options = PyFormat.JSONOptions()
            options.ensureASCII = a[0]?.truthy ?? false
            switch a[1] {
            case nil, .none?: options.indent = nil
            case let .string(s)?: options.indent = s
            case let v?:
                guard let n = v.asInt else { throw TemplateError.typeError("indent must be an int or a string") }
                try Operators.checkSize(n)
                options.indent = String(repeating: " ", count: max(0, n))
            }
            if let seps = a[2], !seps.pyEquals(.none) {
                let parts = try interp.iterate(seps)
                guard parts.count == 2, case let .string(item) = parts[0], case let .string(key) = parts[1] else {
                    throw TemplateError.valueError("separators must be a pair of strings")
                }
                options.itemSeparator = item
                options.keySeparator = key
            }
            options.sortKeys = a[3]?.truthy ?? false
            return .string(try PyFormat.json(value, options))
        case "trim":
            let a = try bind(["chars"])
            return .string(StringOps.strip(PyFormat.str(value), try Methods.requireString(a[0], "strip"), left: true, right: true))
        case "unique":
            let a = try bind(["case_sensitive", "attribute"])
            let caseSensitive = a[0]?.truthy ?? false
            let getter = try a[1].flatMap { $0.pyEquals(.none) ? nil : try attrGetter($0, interp) }
            var seen: [JValue] = []
            var out: [JValue] = []
            for item in try interp.iterate(value) {
                var k = try getter?(item) ?? item
                if !caseSensitive { k = ignoreCase(k) }
                switch k {
                case .list, .dict: throw TemplateError.typeError("unhashable type: \(PyFormat.stringRepr(k.typeName))")
                default: break
                }
                if !seen.contains(where: { $0.pyEquals(k) }) { seen.append(k); out.append(item) }
            }
            return .list(out)
        case "wordcount":
            _ = try bind([])
            var count = 0
            var inWord = false
            for c in PyFormat.str(value).unicodeScalars {
                let w = c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
                if w && !inWord { count += 1 }
                inWord = w
            }
            return .int(count)
        default:
            throw TemplateError.runtime("No filter named \(PyFormat.stringRepr(name)) found.", line: nil)
        }
    }

    static func attributeError(_ value: JValue, _ name: String) -> TemplateError {
        .python(type: "AttributeError", message: "\(PyFormat.stringRepr(value.typeName)) object has no attribute \(PyFormat.stringRepr(name))", line: nil)
    }

    static func checkExists(_ name: String, isFilter: Bool) throws {
        if isFilter ? !names.contains(name) : !Tests.names.contains(name) {
            throw TemplateError.runtime("No \(isFilter ? "filter" : "test") named \(PyFormat.stringRepr(name)) found.", line: nil)
        }
    }

    static func ignoreCase(_ v: JValue) -> JValue {
        if case let .string(s) = v { return .string(StringOps.lower(s)) }
        return v
    }

    /// Python's stable `sorted(items, key=key, reverse=reverse)`.
    static func sortValues(_ items: [JValue], reverse: Bool, key: (JValue) throws -> JValue) throws -> [JValue] {
        let keyed = try items.enumerated().map { ($0.offset, try key($0.element), $0.element) }
        // CPython's sort (on the reversed list when reverse=True) first compares neighbours,
        // keys[i] < keys[i-1]; checking them in that order reports the same TypeError.
        let scan = reverse ? Array(keyed.reversed()) : keyed
        for i in scan.indices.dropFirst() where try Operators.ordering(scan[i].1, scan[i - 1].1) == nil {
            throw TemplateError.typeError("'<' not supported between instances of \(PyFormat.stringRepr(scan[i].1.typeName)) and \(PyFormat.stringRepr(scan[i - 1].1.typeName))")
        }
        var failure: TemplateError? = nil
        let sorted = keyed.sorted { x, y in
            do {
                guard let o = try Operators.ordering(x.1, y.1) else {
                    failure = failure ?? .typeError("'<' not supported between instances of \(PyFormat.stringRepr(x.1.typeName)) and \(PyFormat.stringRepr(y.1.typeName))")
                    return false
                }
                // Python's sort is stable, also when reversed.
                if o == 0 { return x.0 < y.0 }
                return reverse ? o > 0 : o < 0
            } catch let e as TemplateError {
                failure = failure ?? e
                return false
            } catch { return false }
        }
        if let failure { throw failure }
        return sorted.map { $0.2 }
    }

    /// jinja2's make_attrgetter: "a.b.0" looks up each part with getitem semantics.
    static func attrGetter(_ attribute: JValue, _ interp: Interpreter, default defaultValue: JValue? = nil) throws -> (JValue) throws -> JValue {
        var parts: [JValue]
        switch attribute {
        case let .string(s):
            parts = s.split(separator: ".", omittingEmptySubsequences: false).map { p in
                if let i = Int(p), p.allSatisfy(\.isNumber) { return .int(i) }
                return .string(String(p))
            }
        case let .int(i): parts = [.int(i)]
        default: parts = [attribute]
        }
        return { item in
            var v = item
            for p in parts {
                v = try Members.getitem(v, p, interp)
                if let defaultValue, !defaultValue.pyEquals(.none), v.isUndefined { v = defaultValue }
            }
            return v
        }
    }

    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Jinja's `title` filter: words start after `-`, whitespace, `(`, `{`, `[` or `<`.
    static func jinjaTitle(_ s: String) -> String {
        // re.split(r"([-\s({\[<]+)") keeps the delimiter runs; each word is
        // word[0].upper() + word[1:].lower().
        var out = ""
        var word = String.UnicodeScalarView()
        func flush() {
            guard let first = word.first else { return }
            out += first.properties.uppercaseMapping + StringOps.lower(String(String.UnicodeScalarView(word.dropFirst())))
            word = String.UnicodeScalarView()
        }
        for c in s.unicodeScalars {
            if c == "-" || c == "(" || c == "{" || c == "[" || c == "<" || PyFormat.isSpace(c) {
                flush()
                out.unicodeScalars.append(c)
            } else {
                word.append(c)
            }
        }
        flush()
        return out
    }


    /// Python's `round(x, n)` for floats: correctly rounded, ties to even on the exact binary value.
    static func pyRound(_ x: Double, _ n: Int) -> Double {
        if !x.isFinite { return x }
        // 10**-n overflows a double below -308; every finite double rounds to a signed zero there.
        if n < -308 { return copysign(0, x) }
        if n == 0 { return x.rounded(.toNearestOrEven) }
        if n > 0 {
            let text = String(format: "%.\(min(n, 340))f", x)
            return Double(text) ?? x
        }
        let p = pow(10.0, Double(-n))
        return (x / p).rounded(.toNearestOrEven) * p
    }

    /// Python's `round(i, digits)` for an int and negative `digits`: exact, ties to even.
    static func roundInteger(_ i: Int, digits: Int) throws -> Int {
        // 10**19 exceeds Int.max: |i| / 10**19 < 0.93, so the result is 0 or +-10**19 (too big).
        if digits <= -20 { return 0 }
        if digits == -19 {
            if i.magnitude <= 5_000_000_000_000_000_000 { return 0 }
            throw Operators.overflowError()
        }
        var p = 1
        for _ in 0..<(-digits) { p *= 10 }
        // Floor division and remainder, as Python's divmod.
        var q = i / p, r = i % p
        if r < 0 { q -= 1; r += p }
        let twice = 2 * r.magnitude
        if twice > p.magnitude || (twice == p.magnitude && q & 1 == 1) { q += 1 }
        let (result, overflow) = q.multipliedReportingOverflow(by: p)
        if overflow { throw Operators.overflowError() }
        return result
    }

    static func toInt(_ v: JValue, base: Int) throws -> JValue? {
        switch v {
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)
        case let .double(d):
            guard d.isFinite else { return nil }
            guard abs(d) < 9.2e18 else { throw Operators.overflowError() }
            return .int(Int(d))
        case let .string(s):
            var t = s.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "_", with: "")
            var negative = false
            if t.hasPrefix("-") { negative = true; t.removeFirst() } else if t.hasPrefix("+") { t.removeFirst() }
            var b = base
            let lower = t.lowercased()
            if (b == 16 || b == 0), lower.hasPrefix("0x") { t = String(t.dropFirst(2)); b = 16 }
            else if (b == 8 || b == 0), lower.hasPrefix("0o") { t = String(t.dropFirst(2)); b = 8 }
            else if (b == 2 || b == 0), lower.hasPrefix("0b") { t = String(t.dropFirst(2)); b = 2 }
            if b == 0 { b = 10 }
            // int(s, base) raises ValueError outside 2...36; Jinja's |int then falls back to
            // int(float(s)) below. The sign is parsed with the digits so Int.min reads exactly.
            if (2...36).contains(b), !t.hasPrefix("-"), !t.hasPrefix("+"),
               let i = Int((negative ? "-" : "") + t, radix: b) { return .int(i) }
            if let d = toFloat(v)?.asDouble, d.isFinite {
                guard abs(d) < 9.2e18 else { throw Operators.overflowError() }
                return .int(Int(d))
            }
            return nil
        default: return nil
        }
    }

    static func toFloat(_ v: JValue) -> JValue? {
        switch v {
        case let .int(i): return .double(Double(i))
        case let .bool(b): return .double(b ? 1 : 0)
        case let .double(d): return .double(d)
        case let .string(s):
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "_", with: "")
            switch t.lowercased() {
            case "inf", "+inf", "infinity", "+infinity": return .double(.infinity)
            case "-inf", "-infinity": return .double(-.infinity)
            case "nan", "+nan", "-nan": return .double(.nan)
            default: break
            }
            guard !t.isEmpty, t.allSatisfy({ "0123456789+-.eE".contains($0) }), let d = Double(t) else { return nil }
            return .double(d)
        default: return nil
        }
    }
}
