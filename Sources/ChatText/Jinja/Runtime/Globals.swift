import Foundation

extension Interpreter {
    /// Jinja2's default globals in the sandbox, plus what transformers adds.
    func installGlobals() {
        let g = globals
        g.set("raise_exception", .function(Function("raise_exception") { args, kwargs in
            let a = try bindArguments("raise_exception", ["message"], args, kwargs)
            throw TemplateError.raised(PyFormat.str(a[0] ?? .none), line: nil)
        }))
        let now = self.now, zone = self.timeZone
        g.set("strftime_now", .function(Function("strftime_now") { args, kwargs in
            let a = try bindArguments("strftime_now", ["format"], args, kwargs)
            guard case let .string(fmt)? = a[0] else { throw TemplateError.typeError("strftime() argument 1 must be str") }
            return .string(Strftime.format(fmt, now, zone))
        }))
        g.set("range", .function(Function("range") { args, _ in
            let ints = try args.map { v -> Int in
                guard let i = v.asInt else { throw TemplateError.typeError("\(PyFormat.stringRepr(v.typeName)) object cannot be interpreted as an integer") }
                return i
            }
            var start = 0, stop = 0, step = 1
            switch ints.count {
            case 1: stop = ints[0]
            case 2: start = ints[0]; stop = ints[1]
            case 3: start = ints[0]; stop = ints[1]; step = ints[2]
            default: throw TemplateError.typeError("range expected at least 1 argument, got \(ints.count)")
            }
            if step == 0 { throw TemplateError.valueError("range() arg 3 must not be zero") }
            // Counted before anything is built: range(10**15) must be refused, not materialised.
            let count = PyRange.count(start, stop, step)
            // The sandbox takes len(range(...)), which CPython cannot hold in a ssize_t past Int.max.
            if count > UInt(Int.max) {
                throw TemplateError.python(type: "OverflowError", message: "Python int too large to convert to C ssize_t", line: nil)
            }
            if count > 100_000 {
                throw TemplateError.python(type: "OverflowError", message: "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).", line: nil)
            }
            return .list(stride(from: start, to: stop, by: step).map { .int($0) })
        }))
        g.set("dict", .function(Function("dict") { args, kwargs in
            var d = JDict()
            if let first = args.first {
                switch first {
                case let .dict(src): d = src
                default:
                    for pair in try self.iterate(first) {
                        let kv = try self.iterate(pair)
                        guard kv.count == 2, case let .string(k) = kv[0] else { throw TemplateError.unsupported("dict() from non-string keys", line: nil) }
                        d[k] = kv[1]
                    }
                }
            }
            for (k, v) in kwargs { d[k] = v }
            return .dict(d)
        }))
        g.set("namespace", .function(Function("namespace") { args, kwargs in
            let ns = Namespace()
            if let first = args.first {
                guard case let .dict(src) = first else { throw TemplateError.typeError("namespace() argument must be a mapping") }
                for (k, v) in src.pairs { ns.attributes[k] = v }
            }
            for (k, v) in kwargs { ns.attributes[k] = v }
            if let bad = ns.attributes.keys.first(where: { $0.hasPrefix("_") }) {
                throw TemplateError.security("Chat templates cannot store underscore-prefixed attributes on a namespace, but got \(PyFormat.stringRepr(bad)). Please rename the attribute.", line: nil)
            }
            return .namespace(ns)
        }))
        g.set("joiner", .function(Function("joiner") { args, kwargs in
            let a = try bindArguments("joiner", ["sep"], args, kwargs)
            let sep = a[0].map(PyFormat.str) ?? ", "
            var used = false
            return .function(Function("joiner") { _, _ in
                if used { return .string(sep) }
                used = true
                return .string("")
            })
        }))
    }
}

/// Python's `datetime.strftime` in the C locale, for a naive local time.
enum Strftime {
    static let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"]

    static func format(_ fmt: String, _ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond, .weekday], from: date)
        let year = c.year!, month = c.month!, day = c.day!, hour = c.hour!, minute = c.minute!, second = c.second!
        let weekday = c.weekday! - 1  // 0 = Sunday
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        func pad(_ v: Int, _ w: Int = 2, _ fill: Character = "0") -> String {
            let s = String(v)
            return String(repeating: fill, count: max(0, w - s.count)) + s
        }
        var out = ""
        var chars = Array(fmt)
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            guard ch == "%", i + 1 < chars.count else { out.append(ch); i += 1; continue }
            let code = chars[i + 1]
            i += 2
            switch code {
            case "a": out += String(days[weekday].prefix(3))
            case "A": out += days[weekday]
            case "b", "h": out += String(months[month - 1].prefix(3))
            case "B": out += months[month - 1]
            case "d": out += pad(day)
            case "e": out += pad(day, 2, " ")
            case "m": out += pad(month)
            case "y": out += pad(year % 100)
            case "Y": out += String(year)
            case "H": out += pad(hour)
            case "I": out += pad(hour % 12 == 0 ? 12 : hour % 12)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "M": out += pad(minute)
            case "S": out += pad(second)
            case "f": out += pad((c.nanosecond ?? 0) / 1000, 6)
            case "j": out += pad(dayOfYear, 3)
            case "w": out += String(weekday)
            case "u": out += String(weekday == 0 ? 7 : weekday)
            case "Z", "z": break
            case "c": out += "\(days[weekday].prefix(3)) \(months[month - 1].prefix(3)) \(pad(day, 2, " ")) \(pad(hour)):\(pad(minute)):\(pad(second)) \(year)"
            case "x": out += "\(pad(month))/\(pad(day))/\(pad(year % 100))"
            case "X", "T": out += "\(pad(hour)):\(pad(minute)):\(pad(second))"
            case "D": out += "\(pad(month))/\(pad(day))/\(pad(year % 100))"
            case "F": out += "\(year)-\(pad(month))-\(pad(day))"
            case "R": out += "\(pad(hour)):\(pad(minute))"
            case "n": out += "\n"
            case "t": out += "\t"
            case "%": out += "%"
            default: out.append("%"); out.append(code)
            }
        }
        chars.removeAll()
        return out
    }
}

/// Python's `range` arithmetic.
enum PyRange {
    /// len(range(start, stop, step)), computed on magnitudes so no bound can overflow.
    static func count(_ start: Int, _ stop: Int, _ step: Int) -> UInt {
        if step > 0 {
            guard start < stop else { return 0 }
            return (UInt(bitPattern: stop &- start) - 1) / step.magnitude + 1
        }
        guard start > stop else { return 0 }
        return (UInt(bitPattern: start &- stop) - 1) / step.magnitude + 1
    }
}
