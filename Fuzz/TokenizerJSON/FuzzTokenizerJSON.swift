import Foundation
import WinnowTokenizer

/// tokenizer.json bytes -> the byte-exact JSON reader and every component loader. Any outcome but
/// a value or a thrown error (a trap, a hang, a stack overflow) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    if let tokenizer = try? Tokenizer(tokenizerJSON: data) {
        _ = tokenizer.encode("Hello wörld 123 <|im_start|>", addSpecialTokens: true)
    }
    return 0
}
