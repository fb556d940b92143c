import Foundation
import Testing
import WinnowJSON
@testable import WinnowJinja

/// One reference case rendered by Python Jinja2 (see scripts/make-jinja-references.py).
struct ReferenceCase: CustomTestStringConvertible, Sendable {
    let name: String
    let source: String
    let context: [String: Value]
    let expected: String?
    let errorKind: String?
    let errorMessage: String?
    let errorLine: Int?
    /// Jinja2's result is a Python int outside Int64 (edge-cases.json): a template error is expected instead.
    var beyondInt64 = false

    var testDescription: String { name }
}

/// Loads References/cases.json with the order-preserving JSON reader (dict order matters for
/// `tojson` and `items()`).
enum References {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("References")

    /// The instant the generator pinned `strftime_now` to, read as naive UTC.
    static let fixedNow: Date = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: 2026, month: 3, day: 7, hour: 14, minute: 5, second: 9))!
    }()

    /// The cases, or none when the file cannot be read (then `loadError` says why and the
    /// coverage test fails instead of the whole test process crashing).
    static let (cases, loadError): ([ReferenceCase], String?) = {
        do { return (try load(), nil) } catch { return ([], "cannot load reference cases: \(error)") }
    }()

    static func load(_ file: String = "cases.json") throws -> [ReferenceCase] {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        guard case let .object(root) = try Value(jsonBytes: data), case let .string(now)? = root["strftime_now"],
              now == "2026-03-07T14:05:09", case let .array(items)? = root["cases"] else {
            throw ReferenceLayoutError("unexpected cases.json layout")
        }
        return try items.map { item in
            guard case let .object(c) = item, case let .string(name)? = c["name"],
                  case let .object(ctx)? = c["context"] else {
                throw ReferenceLayoutError("unexpected case layout")
            }
            var source: String
            if case let .string(s)? = c["template"] { source = s }
            else if case let .string(file)? = c["template_file"] {
                source = try String(contentsOf: directory.appendingPathComponent("templates").appendingPathComponent(file), encoding: .utf8)
            } else { throw ReferenceLayoutError("case \(name) has no template") }
            var context: [String: Value] = [:]
            for (k, v) in ctx { context[k] = v }
            var expected: String? = nil
            if case let .string(e)? = c["expected"] { expected = e }
            var kind: String? = nil, message: String? = nil, line: Int? = nil
            if case let .object(err)? = c["error"] {
                if case let .string(k)? = err["kind"] { kind = k }
                if case let .string(m)? = err["message"] { message = m }
                if case let .int(l)? = err["line"] { line = l }
            }
            var reference = ReferenceCase(name: name, source: source, context: context, expected: expected,
                                          errorKind: kind, errorMessage: message, errorLine: line)
            if case .bool(true)? = c["beyond_int64"] { reference.beyondInt64 = true }
            return reference
        }
    }
}

/// A reference file that parses as JSON but is not laid out as the tests expect.
struct ReferenceLayoutError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
