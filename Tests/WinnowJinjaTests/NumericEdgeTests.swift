import Foundation
import Testing
@testable import WinnowJinja

/// Integer edge cases (Int.min // -1, abs, round to negative digits, int(base), '%d' of huge
/// floats, range sizes) against the real Jinja2 (scripts/make-jinja-edge-references.py): the same
/// output or exception, or — where Python's unbounded int does not fit in 64 bits — a template
/// error, never a trap.
@Suite struct NumericEdgeTests {
    static let (cases, loadError): ([ReferenceCase], String?) = {
        do { return (try References.load("edge-cases.json"), nil) } catch { return ([], "\(error)") }
    }()

    @Test func referencesLoad() {
        #expect(Self.loadError == nil, "\(Self.loadError ?? "")")
        #expect(Self.cases.count >= 50)
    }

    @Test(arguments: cases)
    func matchesJinja2(_ c: ReferenceCase) {
        let result: Result<String, TemplateError>
        do {
            result = .success(try Template(c.source).render(c.context, now: References.fixedNow, timeZone: TimeZone(identifier: "UTC")!))
        } catch let error as TemplateError {
            result = .failure(error)
        } catch {
            Issue.record("unexpected error type: \(error)")
            return
        }
        switch (result, c.expected) {
        case let (.success(text), _) where c.beyondInt64:
            Issue.record("rendered \(text.debugDescription); Jinja2's \(c.expected ?? "?") does not fit in 64 bits, an error was expected")
        case let (.failure(error), _) where c.beyondInt64:
            #expect(error.message.contains("64 bits"), "\(error)")
        case let (.success(text), expected?):
            #expect(text == expected)
        case let (.success(text), nil):
            Issue.record("rendered \(text.debugDescription) but Jinja2 raised \(c.errorKind ?? "?"): \(c.errorMessage ?? "?")")
        case let (.failure(error), expected?):
            Issue.record("raised \(error) but Jinja2 rendered \(expected.debugDescription)")
        case let (.failure(error), nil):
            #expect(error.kind == c.errorKind)
            #expect(error.message == c.errorMessage)
        }
    }

    /// Cases Python itself cannot finish (it would compute 10**(2**63) or allocate a terabyte):
    /// WinnowJinja answers at once, with the mathematically exact result or a MemoryError.
    @Test func casesPythonCannotFinish() throws {
        let render = { (source: String, context: [String: Value]) in try Template(source).render(context) }
        #expect(try render("{{ 5|round(x) }}", ["x": .int(.min)]) == "0")
        for source in ["{{ 'a' * 10**12 }}", "{{ [1] * 10**12 }}", "{{ 'ab' * x }}", "{{ [1]|batch(10**12, 0)|list }}",
                       "{{ 'x'|center(10**12) }}", "{{ {}|tojson(indent=10**12) }}",
                       "{% for i in range(100000) %}{% for j in range(100000) %}{{ 'a' * 1000 }}{% endfor %}{% endfor %}"] {
            #expect(throws: TemplateError.self, "\(source)") { try render(source, ["x": .int(.max)]) }
        }
    }
}
