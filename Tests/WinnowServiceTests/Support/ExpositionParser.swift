/// A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it
/// refuses what Prometheus' own parser refuses (bad names, unescaped label values, a TYPE after
/// its samples, a family split in two, repeated series) and checks histograms' shape (cumulative
/// buckets, `+Inf` equal to `_count`), so a test that renders every declared metric and parses it
/// here shows the exposition is well formed.
struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String?
        var help: String?
        var samples: [Sample] = []
    }

    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    private(set) var families: [Family] = []

    func family(_ name: String) -> Family? { families.first { $0.name == name } }

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw Failure(line: 0, reason: "the text does not end with a line feed") }
        var seenSeries: Set<String> = []
        var finished: Set<String> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            func fail(_ reason: String) -> Failure { Failure(line: number, reason: reason) }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, parts[1] == "HELP" || parts[1] == "TYPE" else { continue }  // a plain comment
                let name = String(parts[2])
                guard Self.isMetricName(name) else { throw fail("bad metric name \(name)") }
                let rest = parts.count == 4 ? String(parts[3]) : ""
                try open(name, finished: &finished, line: number)
                if parts[1] == "TYPE" {
                    guard families[families.count - 1].type == nil else { throw fail("second TYPE for \(name)") }
                    guard families[families.count - 1].samples.isEmpty else { throw fail("TYPE for \(name) after its samples") }
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else { throw fail("unknown type \(rest)") }
                    families[families.count - 1].type = rest
                } else {
                    guard families[families.count - 1].help == nil else { throw fail("second HELP for \(name)") }
                    guard Self.isValidHelp(rest) else { throw fail("bad escape in HELP of \(name)") }
                    families[families.count - 1].help = rest
                }
                continue
            }
            let sample = try Self.sample(line, fail: fail)
            let familyName = families.last.map { family -> String in
                let suffixes = family.type == "histogram" ? ["_bucket", "_sum", "_count"] : [""]
                return suffixes.contains { sample.name == family.name + $0 } ? family.name : sample.name
            } ?? sample.name
            try open(familyName, finished: &finished, line: number)
            let series = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seenSeries.insert(series).inserted else { throw fail("series \(series) twice") }
            if families[families.count - 1].type == "counter" && sample.value < 0 { throw fail("negative counter \(series)") }
            families[families.count - 1].samples.append(sample)
        }
        for family in families where family.type == "histogram" { try Self.checkHistogram(family) }
    }

    /// Makes `name` the current family: a new one, or the current one again; never one seen before.
    private mutating func open(_ name: String, finished: inout Set<String>, line: Int) throws {
        if families.last?.name == name { return }
        if let last = families.last { finished.insert(last.name) }
        guard !finished.contains(name) else { throw Failure(line: line, reason: "family \(name) split in two") }
        families.append(Family(name: name))
    }

    private static func sample(_ line: Substring, fail: (String) -> Failure) throws -> Sample {
        var rest = line[...]
        let name = String(rest.prefix { $0 != "{" && $0 != " " })
        guard isMetricName(name) else { throw fail("bad metric name \(name)") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let labelName = String(rest.prefix { $0 != "=" })
                guard isLabelName(labelName) else { throw fail("bad label name \(labelName)") }
                rest = rest.dropFirst(labelName.count)
                guard rest.hasPrefix("=\"") else { throw fail("label \(labelName) without a quoted value") }
                rest = rest.dropFirst(2)
                var value = ""
                while true {
                    guard let character = rest.first else { throw fail("unterminated label value") }
                    rest = rest.dropFirst()
                    if character == "\"" { break }
                    if character == "\n" { throw fail("raw line feed in a label value") }
                    if character == "\\" {
                        switch rest.first {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("bad escape in label \(labelName)")
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                guard labels.updateValue(value, forKey: labelName) == nil else { throw fail("label \(labelName) twice") }
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { throw fail("expected , or } after a label") }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw fail("no space before the value") }
        let fields = rest.dropFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), let value = number(fields[0]) else { throw fail("bad value \(rest)") }
        if fields.count == 2 && Int64(fields[1]) == nil { throw fail("bad timestamp \(fields[1])") }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func number(_ text: Substring) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard text.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    /// Per label set (without `le`): `le` ascending and ending in +Inf, counts non-decreasing,
    /// +Inf equal to `_count`, and `_sum` present.
    private static func checkHistogram(_ family: Family) throws {
        func fail(_ reason: String) -> Failure { Failure(line: 0, reason: "histogram \(family.name): \(reason)") }
        var groups: [[String: String]: [Sample]] = [:]
        for sample in family.samples {
            var key = sample.labels
            key["le"] = nil
            groups[key, default: []].append(sample)
        }
        for (labels, samples) in groups {
            let buckets = samples.filter { $0.name == family.name + "_bucket" }
            guard let count = samples.first(where: { $0.name == family.name + "_count" })?.value,
                  samples.contains(where: { $0.name == family.name + "_sum" }) else { throw fail("\(labels): no _count or _sum") }
            let bounds = try buckets.map { bucket -> Double in
                guard let le = bucket.labels["le"], let bound = number(le[...]) else { throw fail("\(labels): bucket without le") }
                return bound
            }
            guard bounds.last == .infinity, bounds == bounds.sorted(), Set(bounds).count == bounds.count else {
                throw fail("\(labels): le not ascending to +Inf: \(bounds)")
            }
            let counts = buckets.map(\.value)
            guard counts == counts.sorted() else { throw fail("\(labels): buckets not cumulative: \(counts)") }
            guard counts.last == count else { throw fail("\(labels): +Inf bucket \(counts.last ?? -1) != _count \(count)") }
        }
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// HELP text may only escape backslash and line feed.
    private static func isValidHelp(_ text: String) -> Bool {
        var characters = text[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            if character == "\\" {
                guard let next = characters.first, next == "\\" || next == "n" else { return false }
                characters = characters.dropFirst()
            }
        }
        return true
    }
}
