import Foundation
import Testing
@testable import WinnowJinja
import WinnowJSON

/// The public API around the interpreter: building values, errors, and refusing hostile input
/// with an error instead of a crash.
@Suite struct APITests {
    @Test func jsonKeepsObjectKeyOrder() throws {
        let keys = ["zeta", "alpha", "mid", "ß", "0"]
        let text = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ", ") + "}"
        guard case let .object(object) = try Value(json: text) else { Issue.record("not an object"); return }
        #expect(object.keys == keys)
        // The order reaches the template too: items() iterates in insertion order.
        let rendered = try Template("{% for k, v in o.items() %}{{ k }},{% endfor %}").render(["o": .object(object)])
        #expect(rendered == keys.map { $0 + "," }.joined())
    }

    @Test func jsonScalarsAndEscapes() throws {
        let value = try Value(json: #"[1, -2.5, 1e3, true, false, null, "a\u00e9\ud83d\ude00\n\"", {}]"#)
        #expect(value == .array([.int(1), .double(-2.5), .double(1000), .bool(true), .bool(false), .null,
                                 .string("aé😀\n\""), .object(JSONObject())]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "[1] 2", "{\"a\": 01x}"])
    func malformedJSONThrows(_ text: String) {
        #expect(throws: JSONError.self) { try Value(json: text) }
    }

    @Test func errorsNameTheirLine() {
        do {
            _ = try Template("a\nb\n{{ raise_exception('boom') }}").render([:])
            Issue.record("no error")
        } catch let error as TemplateError {
            #expect(error.line == 3)
            #expect(error.description.contains("boom"))
            #expect(error.description.contains("line 3"))
        } catch { Issue.record("wrong error type \(error)") }
    }

    @Test func unboundedMacroRecursionIsAnError() {
        #expect(throws: TemplateError.self) {
            try Template("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").render([:])
        }
        #expect(throws: TemplateError.self) {
            try Template("{% for x in l recursive %}{{ loop(l) }}{% endfor %}").render(["l": [1]])
        }
    }

    @Test(arguments: ["{{ 'ab' * 100000000 }}", "{{ [1] * 100000000 }}", "{{ 'a' | center(100000000) }}",
                      "{{ 'a' | indent(100000000) }}", "{{ '%100000000s' % 'a' }}", "{{ {} | tojson(indent=100000000) }}",
                      "{{ 'a'.zfill(100000000) }}"])
    func hugeResultsAreRefused(_ source: String) {
        #expect(throws: TemplateError.self) { try Template(source).render([:]) }
    }

    @Test func deeplyNestedSourceIsASyntaxError() {
        let parens = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(throws: TemplateError.self) { try Template("{{ \(parens) }}") }
        let ifs = String(repeating: "{% if true %}", count: 5000) + String(repeating: "{% endif %}", count: 5000)
        #expect(throws: TemplateError.self) { try Template(ifs) }
    }

    @Test func renderingFreesItsObjects() throws {
        // Macros, globals and namespaces close over scopes that hold them; the render must break
        // those cycles or every rendered conversation would leak.
        weak var weakInterpreter: Interpreter?
        weak var weakGlobals: Scope?
        try {
            let interpreter = Interpreter(context: ["x": 1], now: Date(), timeZone: .current)
            weakInterpreter = interpreter
            weakGlobals = interpreter.globals
            let nodes = try Parser.parse("{% macro m(a) %}{{ a }}{{ dict(b=1) }}{% endmacro %}{% set ns = namespace(f=m) %}{{ m(x) }}{% for i in [1] recursive %}{% set ns.l = loop %}{% endfor %}")
            _ = try interpreter.render(nodes)
        }()
        #expect(weakInterpreter == nil)
        #expect(weakGlobals == nil)
    }

    @Test func renderingIsRepeatableAndConcurrent() async throws {
        let source = try String(contentsOf: References.directory.appendingPathComponent("templates/Qwen-Qwen3-0.6B.jinja"), encoding: .utf8)
        let template = try Template(source)
        let context: [String: Value] = [
            "messages": [["role": "user", "content": "hi"], ["role": "assistant", "content": "<think>r</think>a"]],
            "add_generation_prompt": false,
        ]
        let first = try template.render(context)
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try template.render(context) } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == first })
    }
}
