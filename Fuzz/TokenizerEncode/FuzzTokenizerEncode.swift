import Foundation
import WinnowTokenizer

/// Arbitrary text (invalid UTF-8 repaired as Swift does) through real tokenizers' encode and
/// decode: byte-level BPE with added tokens (qwen-style) and Metaspace/byte-fallback (gemma-bpe).
private let tokenizers: [Tokenizer] = {
    let root = ProcessInfo.processInfo.environment["WINNOW_FUZZ_TOKENIZERS"]
        ?? "Tests/WinnowTokenizerTests/References/tokenizers"
    return ["qwen-style", "gemma-bpe"].map { name in
        let url = URL(fileURLWithPath: root).appendingPathComponent(name).appendingPathComponent("tokenizer.json")
        guard let data = try? Data(contentsOf: url), let tokenizer = try? Tokenizer(tokenizerJSON: data) else {
            fatalError("cannot load \(url.path); run from the repository root or set WINNOW_FUZZ_TOKENIZERS")
        }
        return tokenizer
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerEncode(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    for tokenizer in tokenizers {
        let ids = tokenizer.encode(text, addSpecialTokens: count % 2 == 0)
        _ = tokenizer.decode(ids, skipSpecialTokens: count % 3 == 0)
    }
    return 0
}
