import Foundation
import WinnowJinja

/// Template source -> lexer, parser, folder and interpreter, rendered over a small conversation
/// as transformers would hand it. Errors are fine; a trap, a hang or unbounded memory is not.
private let context: [String: Value] = [
    "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "2+2?"],
                 ["role": "assistant", "content": "4"]],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>",
    "numbers": [0, -1, .int(.max), .int(.min), 1.5, .double(.nan), .double(.infinity)],
]
private let now = Date(timeIntervalSince1970: 1_772_892_309)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJinja(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    if let template = try? Template(source) {
        _ = try? template.render(context, now: now, timeZone: TimeZone(identifier: "UTC")!)
    }
    return 0
}
