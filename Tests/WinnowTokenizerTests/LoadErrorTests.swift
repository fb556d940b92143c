import Foundation
import Testing
@testable import WinnowTokenizer

/// Anything the tokenizer does not implement must fail to load with a clear error,
/// never fall back silently to different tokenization.
@Suite("Load errors")
struct LoadErrorTests {
    /// A minimal valid tokenizer.json with one component replaced.
    private func json(model: String = #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}"#,
                      normalizer: String = "null", preTokenizer: String = "null",
                      decoder: String = "null", postProcessor: String = "null") -> Data {
        Data("""
        {"version": "1.0", "added_tokens": [], "normalizer": \(normalizer), "pre_tokenizer": \(preTokenizer),
         "post_processor": \(postProcessor), "decoder": \(decoder), "model": \(model)}
        """.utf8)
    }

    private func loadError(_ data: Data) -> TokenizerError? {
        do {
            _ = try Tokenizer(tokenizerJSON: data)
            return nil
        } catch let error as TokenizerError {
            return error
        } catch {
            return nil
        }
    }

    @Test func minimalTokenizerLoadsAndMerges() throws {
        let tokenizer = try Tokenizer(tokenizerJSON: json())
        #expect(tokenizer.encode("abba", addSpecialTokens: false) == [2, 1, 0])
        #expect(tokenizer.vocabularySize == 3)
    }

    @Test func unknownModelType() {
        let error = loadError(json(model: #"{"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "a"}"#))
        #expect(error == .unsupported(component: "model", type: "WordPiece"))
        #expect(error?.description.contains("WordPiece") == true)
    }

    @Test func unknownNormalizer() {
        #expect(loadError(json(normalizer: #"{"type": "Precompiled", "precompiled_charsmap": ""}"#))
                == .unsupported(component: "normalizer", type: "Precompiled"))
        #expect(loadError(json(normalizer: #"{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "BertNormalizer"}]}"#))
                == .unsupported(component: "normalizer.normalizers[1]", type: "BertNormalizer"))
    }

    @Test func unknownPreTokenizer() {
        #expect(loadError(json(preTokenizer: #"{"type": "UnicodeScripts"}"#))
                == .unsupported(component: "pre_tokenizer", type: "UnicodeScripts"))
        #expect(loadError(json(preTokenizer: #"{"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways", "invert": false}"#))
                == .unsupported(component: "pre_tokenizer.behavior", type: "Sideways"))
    }

    @Test func unknownDecoderAndPostProcessor() {
        #expect(loadError(json(decoder: #"{"type": "CTC"}"#)) == .unsupported(component: "decoder", type: "CTC"))
        #expect(loadError(json(postProcessor: #"{"type": "Fancy"}"#)) == .unsupported(component: "post_processor", type: "Fancy"))
    }

    @Test func brokenFiles() {
        #expect(loadError(Data("{not json".utf8)) != nil)
        #expect(loadError(json(model: #"{"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}"#))
                == .mergeTokenNotInVocabulary("b"))
        #expect(loadError(json(model: #"{"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "<unk>"}"#))
                == .unknownTokenNotInVocabulary("<unk>"))
        #expect(loadError(json(preTokenizer: #"{"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}"#))
                == .invalidPattern("(unclosed"))
    }

    @Test func missingDirectory() {
        #expect(throws: TokenizerError.self) { try Tokenizer(directory: URL(fileURLWithPath: "/nonexistent/model")) }
    }
}
