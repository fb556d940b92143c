import Policies
import WinnowJSON

/// JSON bytes -> the one JSON reader (tokenizer.json, records, tokenizer_config.json, config
/// files, safetensors headers) and, when it parses: the writer's output must read back to the
/// same value in both layouts, and a selection policy is read from it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONValue(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = UnsafeBufferPointer(start: bytes, count: count)
    // Refusing 1e999 keeps every value finite, so the round trip must be exact.
    guard let value = try? JSONReader(nonFiniteNumbers: .reject).read(input) else { return 0 }
    for writer in [JSONWriter.compact, JSONWriter.python(ensureASCII: true, indent: "  ", sortKeys: false)] {
        let text = writer.string(value)
        guard let again = try? JSONValue(json: text), again == value else {
            fatalError("the writer's output does not read back to the same value: \(text)")
        }
    }
    _ = try? SelectionPolicy(json: value)
    return 0
}
