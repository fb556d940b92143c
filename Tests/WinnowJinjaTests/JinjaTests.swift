import Foundation
import Testing
@testable import WinnowJinja

/// Every reference case renders byte-identically to Python Jinja2 in transformers' environment,
/// or fails with the same exception class, message and template line.
@Suite struct ReferenceTests {
    @Test("cases.json covers the focused features and the real chat templates")
    func coverage() {
        #expect(References.loadError == nil, "\(References.loadError ?? "")")
        let cases = References.cases
        let focused = cases.filter { !$0.name.contains(": ") }
        #expect(focused.count >= 150)
        for model in ["qwen3", "llama3.1", "llama3.2", "gemma2"] {
            #expect(cases.filter { $0.name.hasPrefix(model + ": ") }.count >= 30, "\(model)")
        }
        #expect(cases.contains { $0.errorKind == "TemplateError" && $0.name.hasPrefix("gemma2") })
    }

    @Test(arguments: References.cases)
    func matchesJinja2(_ c: ReferenceCase) {
        let result: Result<String, TemplateError>
        do {
            let template = try Template(c.source)
            result = .success(try template.render(c.context, now: References.fixedNow, timeZone: TimeZone(identifier: "UTC")!))
        } catch let error as TemplateError {
            result = .failure(error)
        } catch {
            Issue.record("unexpected error type: \(error)")
            return
        }
        switch (result, c.expected) {
        case let (.success(text), expected?):
            #expect(text == expected)
        case let (.success(text), nil):
            Issue.record("rendered \(text.debugDescription) but Jinja2 raised \(c.errorKind ?? "?"): \(c.errorMessage ?? "?")")
        case let (.failure(error), expected?):
            Issue.record("raised \(error) but Jinja2 rendered \(expected.debugDescription)")
        case let (.failure(error), nil):
            #expect(error.kind == c.errorKind)
            #expect(error.message == c.errorMessage)
            #expect(error.line == c.errorLine)
        }
    }
}
