/// Binds positional and keyword arguments to named parameters, as Python calls do.
func bindArguments(_ fname: String, _ params: [String], _ args: [JValue], _ kwargs: [(String, JValue)],
                   extraKeywords: Bool = false) throws -> [JValue?] {
    if args.count > params.count {
        throw TemplateError.typeError("\(fname)() takes at most \(params.count) argument\(params.count == 1 ? "" : "s") (\(args.count) given)")
    }
    var out = [JValue?](repeating: nil, count: params.count)
    for (i, a) in args.enumerated() { out[i] = a }
    for (k, v) in kwargs {
        guard let i = params.firstIndex(of: k) else {
            if extraKeywords { continue }
            throw TemplateError.typeError("\(fname)() got an unexpected keyword argument \(PyFormat.stringRepr(k))")
        }
        if out[i] != nil { throw TemplateError.typeError("\(fname)() got multiple values for argument \(PyFormat.stringRepr(k))") }
        out[i] = v
    }
    return out
}

/// Python methods of `str`, `dict`, `list` and Jinja's loop object.
enum Methods {
    static func requireString(_ v: JValue?, _ what: String) throws -> String? {
        guard let v else { return nil }
        switch v {
        case .none: return nil
        case let .string(s): return s
        case let .undefined(u): throw u.error
        default: throw TemplateError.typeError("\(what) arg must be None or str")
        }
    }

    static func requireInt(_ v: JValue?, default d: Int) throws -> Int {
        guard let v else { return d }
        if let i = v.asInt { return i }
        if case let .undefined(u) = v { throw u.error }
        throw TemplateError.typeError("\(PyFormat.stringRepr(v.typeName)) object cannot be interpreted as an integer")
    }

    static func string(_ s: String, _ name: String, _ args: [JValue], _ kwargs: [(String, JValue)]) throws -> JValue {
        switch name {
        case "split", "rsplit", "strip", "lstrip", "rstrip", "startswith", "endswith", "replace", "title", "upper", "lower",
             "casefold", "capitalize", "format":
            return try stringCheap(s, name, args, kwargs)
        default:
            return try stringScalars(s, Array(s.unicodeScalars), name, args, kwargs)
        }
    }

    /// Methods that never index by code point, so they skip building a scalar array.
    static func stringCheap(_ s: String, _ name: String, _ args: [JValue], _ kwargs: [(String, JValue)]) throws -> JValue {
        switch name {
        case "split", "rsplit":
            let a = try bindArguments(name, ["sep", "maxsplit"], args, kwargs)
            let sep = try requireString(a[0], "must be str or None, not")
            let maxsplit = try requireInt(a[1], default: -1)
            let parts = name == "split" ? try StringOps.split(s, sep, maxsplit) : try StringOps.rsplit(s, sep, maxsplit)
            return .list(parts.map { .string($0) })
        case "strip", "lstrip", "rstrip":
            let a = try bindArguments(name, ["chars"], args, kwargs)
            let chars = try requireString(a[0], name)
            return .string(StringOps.strip(s, chars, left: name != "rstrip", right: name != "lstrip"))
        case "startswith", "endswith":
            let a = try bindArguments(name, ["prefix", "start", "end"], args, kwargs)
            var candidates: [String] = []
            switch a[0] {
            case let .string(p)?: candidates = [p]
            case let .tuple(items)?:
                for item in items {
                    guard case let .string(p) = item else { throw TemplateError.typeError("tuple for \(name) must only contain str, not \(item.typeName)") }
                    candidates.append(p)
                }
            case let .undefined(u)?: throw u.error
            default: throw TemplateError.typeError("\(name) first arg must be str or a tuple of str, not \(a[0]?.typeName ?? "NoneType")")
            }
            if a[1] == nil && a[2] == nil {
                // UTF-8 prefixes and suffixes coincide with code-point ones.
                let bytes = Array(s.utf8)
                return .bool(candidates.contains { p in
                    let pb = Array(p.utf8)
                    return name == "startswith" ? bytes.starts(with: pb) : (pb.count <= bytes.count && bytes.suffix(pb.count).elementsEqual(pb))
                })
            }
            let scalars = Array(s.unicodeScalars)
            let range = try sliceIndicesRange(scalars.count, a[1], a[2])
            let sub = range.map { Array(scalars[$0]) } ?? []
            if range == nil { return .bool(false) }
            for p in candidates {
                let ps = Array(p.unicodeScalars)
                if name == "startswith" ? sub.starts(with: ps) : (ps.count <= sub.count && Array(sub.suffix(ps.count)) == ps) { return .bool(true) }
            }
            return .bool(false)
        case "replace":
            let a = try bindArguments(name, ["old", "new", "count"], args, kwargs)
            guard case let .string(old)? = a[0], case let .string(new)? = a[1] else { throw TemplateError.typeError("replace() argument must be str") }
            return .string(StringOps.replace(s, old, new, try requireInt(a[2], default: -1)))
        case "title": return .string(StringOps.title(s))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(StringOps.lower(s))
        case "casefold": return .string(StringOps.lower(s).replacingOccurrences(of: "ß", with: "ss"))
        case "capitalize": return .string(StringOps.capitalize(s))
        case "format": return .string(try StringFormat.format(s, args, kwargs))
        default: throw TemplateError.unsupported("str.\(name)() is not supported", line: nil)
        }
    }

    static func stringScalars(_ s: String, _ scalars: [Unicode.Scalar], _ name: String, _ args: [JValue], _ kwargs: [(String, JValue)]) throws -> JValue {
        switch name {
        case "swapcase":
            return .string(String(s.unicodeScalars.map { c -> String in
                c.properties.isUppercase ? c.properties.lowercaseMapping : (c.properties.isLowercase ? c.properties.uppercaseMapping : String(c))
            }.joined()))
        case "find", "rfind", "index", "rindex", "count":
            let a = try bindArguments(name, ["sub", "start", "end"], args, kwargs)
            guard case let .string(sub)? = a[0] else { throw TemplateError.typeError("must be str, not \(a[0]?.typeName ?? "NoneType")") }
            if name == "count" && a[1] == nil { return .int(StringOps.count(s, sub)) }
            let lo = try a[1].map { try Members.sliceIndices(scalars.count, $0, nil, nil).first ?? scalars.count } ?? 0
            let hi = try a[2].map { v -> Int in
                let idx = try Members.sliceIndices(scalars.count, nil, v, nil)
                return idx.last.map { $0 + 1 } ?? 0
            } ?? scalars.count
            let window = lo <= hi ? Array(scalars[min(lo, scalars.count)..<max(min(lo, scalars.count), min(hi, scalars.count))]) : []
            let p = Array(sub.unicodeScalars)
            if name == "count" { return .int(StringOps.count(StringOps.str(window), sub)) }
            let found = name.hasPrefix("r") ? StringOps.rfind(window, p) : StringOps.find(window, p, from: 0)
            if let found { return .int(found + lo) }
            if lo > scalars.count && p.isEmpty { return .int(-1) }
            if name.hasSuffix("index") { throw TemplateError.valueError("substring not found") }
            return .int(-1)
        case "join":
            let a = try bindArguments(name, ["iterable"], args, kwargs)
            let items = try iterateForMethod(a[0] ?? .none)
            var parts: [String] = []
            for (i, item) in items.enumerated() {
                guard case let .string(p) = item else {
                    throw TemplateError.typeError("sequence item \(i): expected str instance, \(item.typeName) found")
                }
                parts.append(p)
            }
            return .string(parts.joined(separator: s))
        case "isdigit", "isnumeric", "isdecimal":
            return .bool(!scalars.isEmpty && scalars.allSatisfy { $0.properties.numericType != nil && (name != "isdecimal" || $0.properties.numericType == .decimal) })
        case "isalpha": return .bool(!scalars.isEmpty && scalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum": return .bool(!scalars.isEmpty && scalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!scalars.isEmpty && scalars.allSatisfy(PyFormat.isSpace))
        case "isupper":
            let cased = scalars.filter { $0.properties.isCased }
            return .bool(!cased.isEmpty && cased.allSatisfy { !$0.properties.isLowercase })
        case "islower":
            let cased = scalars.filter { $0.properties.isCased }
            return .bool(!cased.isEmpty && cased.allSatisfy { !$0.properties.isUppercase })
        case "isascii": return .bool(scalars.allSatisfy { $0.isASCII })
        case "istitle": return .bool(!s.isEmpty && StringOps.title(s) == s && scalars.contains { $0.properties.isCased })
        case "zfill":
            let a = try bindArguments(name, ["width"], args, kwargs)
            let width = try requireInt(a[0], default: 0)
            try Operators.checkSize(width)
            guard scalars.count < width else { return .string(s) }
            var body = scalars
            var sign: [Unicode.Scalar] = []
            if let f = body.first, f == "+" || f == "-" { sign = [f]; body.removeFirst() }
            return .string(StringOps.str(sign + Array(repeating: "0", count: width - scalars.count) + body))
        case "center", "ljust", "rjust":
            let a = try bindArguments(name, ["width", "fillchar"], args, kwargs)
            let width = try requireInt(a[0], default: 0)
            try Operators.checkSize(width)
            let fill = try requireString(a[1], name).map { Array($0.unicodeScalars) } ?? [" "]
            guard fill.count == 1 else { throw TemplateError.typeError("The fill character must be exactly one character long") }
            let pad = width - scalars.count
            guard pad > 0 else { return .string(s) }
            var left = 0
            switch name {
            case "ljust": left = 0
            case "rjust": left = pad
            default: left = pad / 2 + (pad & width & 1)
            }
            return .string(StringOps.str(Array(repeating: fill[0], count: left) + scalars + Array(repeating: fill[0], count: pad - left)))
        case "splitlines":
            return .list(PyFormat.splitLines(s).map { .string($0) })
        case "partition", "rpartition":
            let a = try bindArguments(name, ["sep"], args, kwargs)
            guard case let .string(sep)? = a[0] else { throw TemplateError.typeError("must be str") }
            let p = Array(sep.unicodeScalars)
            if p.isEmpty { throw TemplateError.valueError("empty separator") }
            let idx = name == "partition" ? StringOps.find(scalars, p, from: 0) : StringOps.rfind(scalars, p)
            guard let idx else {
                return name == "partition" ? .tuple([.string(s), .string(""), .string("")]) : .tuple([.string(""), .string(""), .string(s)])
            }
            return .tuple([.string(StringOps.str(scalars[..<idx])), .string(sep), .string(StringOps.str(scalars[(idx + p.count)...]))])
        case "removeprefix", "removesuffix":
            let a = try bindArguments(name, ["affix"], args, kwargs)
            guard case let .string(x)? = a[0] else { throw TemplateError.typeError("must be str") }
            let p = Array(x.unicodeScalars)
            if name == "removeprefix", scalars.starts(with: p) { return .string(StringOps.str(scalars.dropFirst(p.count))) }
            if name == "removesuffix", !p.isEmpty, scalars.count >= p.count, Array(scalars.suffix(p.count)) == p {
                return .string(StringOps.str(scalars.dropLast(p.count)))
            }
            return .string(s)
        case "format":
            return .string(try StringFormat.format(s, args, kwargs))
        default:
            throw TemplateError.unsupported("str.\(name)() is not supported", line: nil)
        }
    }

    /// start/end arguments of startswith/endswith as a scalar range; nil when empty-invalid.
    static func sliceIndicesRange(_ count: Int, _ start: JValue?, _ end: JValue?) throws -> Range<Int>? {
        func norm(_ v: JValue?, _ d: Int) throws -> Int {
            guard let v else { return d }
            if case .none = v { return d }
            guard let i = v.asInt else { throw TemplateError.typeError("slice indices must be integers or None or have an __index__ method") }
            return i < 0 ? max(0, i + count) : min(i, count)
        }
        let lo = try norm(start, 0), hi = try norm(end, count)
        if lo > count { return nil }
        return lo..<max(lo, hi)
    }

    static func iterateForMethod(_ v: JValue) throws -> [JValue] {
        switch v {
        case let .list(a), let .tuple(a): return a
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case let .dict(d): return d.keys.map { .string($0) }
        case .undefined: return []
        default: throw TemplateError.typeError("can only join an iterable")
        }
    }

    static func dict(_ d: JDict, _ name: String, _ args: [JValue], _ kwargs: [(String, JValue)]) throws -> JValue {
        switch name {
        case "items":
            _ = try bindArguments(name, [], args, kwargs)
            return .list(d.pairs.map { .tuple([.string($0.0), $0.1]) })
        case "keys":
            _ = try bindArguments(name, [], args, kwargs)
            return .list(d.keys.map { .string($0) })
        case "values":
            _ = try bindArguments(name, [], args, kwargs)
            return .list(d.values)
        case "get":
            guard !args.isEmpty, args.count <= 2, kwargs.isEmpty else {
                throw TemplateError.typeError("get expected at least 1 argument, got \(args.count)")
            }
            if case let .string(k) = args[0], let v = d[k] { return v }
            return args.count > 1 ? args[1] : .none
        case "copy": return .dict(d)
        default: throw TemplateError.unsupported("dict.\(name)() is not supported", line: nil)
        }
    }

    static func list(_ l: [JValue], _ name: String, _ args: [JValue], _ kwargs: [(String, JValue)]) throws -> JValue {
        switch name {
        case "index":
            guard let x = args.first else { throw TemplateError.typeError("index expected at least 1 argument, got 0") }
            if let i = l.firstIndex(where: { $0.pyEquals(x) }) { return .int(i) }
            throw TemplateError.valueError("\(PyFormat.repr(x)) is not in list")
        case "count":
            guard let x = args.first else { throw TemplateError.typeError("count() takes exactly one argument (0 given)") }
            return .int(l.filter { $0.pyEquals(x) }.count)
        case "copy": return .list(l)
        default: throw TemplateError.unsupported("list.\(name)() is not supported", line: nil)
        }
    }

    static func loopAttribute(_ loop: LoopState, _ name: String) -> JValue? {
        let n = loop.items.count, i = loop.index0
        switch name {
        case "index": return .int(i + 1)
        case "index0": return .int(i)
        case "revindex": return .int(n - i)
        case "revindex0": return .int(n - i - 1)
        case "first": return .bool(i == 0)
        case "last": return .bool(i == n - 1)
        case "length": return .int(n)
        case "depth": return .int(loop.depth0 + 1)
        case "depth0": return .int(loop.depth0)
        case "previtem":
            return i > 0 ? loop.items[i - 1] : .undefined(Undefined(hint: "there is no previous item", nameRepr: "'previtem'"))
        case "nextitem":
            return i + 1 < n ? loop.items[i + 1] : .undefined(Undefined(hint: "there is no next item", nameRepr: "'nextitem'"))
        case "cycle":
            return .function(Function("cycle") { args, _ in
                guard !args.isEmpty else { throw TemplateError.typeError("no items for cycling given") }
                return args[i % args.count]
            })
        case "changed":
            return .function(Function("changed") { args, _ in
                if let last = loop.lastChanged, last.count == args.count, zip(last, args).allSatisfy({ $0.pyEquals($1) }) {
                    return .bool(false)
                }
                loop.lastChanged = args
                return .bool(true)
            })
        default: return nil
        }
    }
}
