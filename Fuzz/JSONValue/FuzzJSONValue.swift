import Foundation
import Policies
import WinnowJinja

/// JSON bytes -> the order-keeping `Value` reader (records, tokenizer_config.json, config files)
/// and, when it parses, a selection policy read from it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONValue(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    if let value = try? Value(jsonData: data) {
        _ = try? SelectionPolicy(json: value)
    }
    return 0
}
