import Foundation
import Testing
@testable import WinnowJinja

/// Templates that build values nested without bound: found by hand while fuzzing
/// (References/regressions/deep-namespace-list.jinja overflowed the stack freeing a 100,000-deep list).
/// Each must end in a template error, at any depth, and never crash the process.
@Suite struct HostileTemplateTests {
    static let loop = "{% set ns = namespace(x=[], y=[]) %}{% for i in range(100000) %}"

    @Test(arguments: [
        "{% set ns.x = [ns.x] %}", "{% set ns.x = {'a': ns.x} %}", "{% set ns.x = (ns.x,) %}",
        "{% set ns.x = namespace(y=ns.x) %}", "{% set ns.x = [[[[ns.x]]]] %}", "{% set ns.x = dict(a=[ns.x]) %}",
    ])
    func unboundedNestingIsAnError(_ step: String) {
        #expect(throws: TemplateError.self) { try Template(Self.loop + step + "{% endfor %}{{ ns.x }}").render([:]) }
    }

    @Test func regressionFileFromFuzzing() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("References/regressions/deep-namespace-list.jinja")
        let source = try String(contentsOf: url, encoding: .utf8)
        #expect { try Template(source).render([:]) } throws: { error in
            (error as? TemplateError)?.kind == "RecursionError"
        }
    }

    /// Legitimate depth still works: a 500-deep context (what the JSON readers accept) can be
    /// stored and printed, and a namespace may hold itself.
    @Test func reasonableDepthAndSelfReferenceRender() throws {
        var deep: Value = .int(1)
        for _ in 0..<500 { deep = .array([deep]) }
        let text = try Template("{% set m = deep %}{% set ns = namespace() %}{% set ns.me = ns %}{{ m|tojson|length }}").render(["deep": deep])
        #expect(text == "1001")
    }
}
