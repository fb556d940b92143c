import Foundation
import Testing
@testable import WinnowTokenizer
import WinnowJSON

/// tokenizer.json is read by a byte-exact reader of our own: hostile input must end as
/// `TokenizerError.invalidJSON` naming the byte, never a stack overflow or a repaired string.
@Suite struct HostileJSONTests {
    private func parseError(_ bytes: [UInt8]) -> String? {
        do {
            _ = try TokenizerJSON.parse(bytes)
            return nil
        } catch TokenizerError.invalidJSON(let message) {
            return message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        for open in ["[", "{\"a\":"] {
            let deep = Array(String(repeating: open, count: 100_000).utf8)
            #expect(parseError(deep)?.hasPrefix("nesting too deep") == true, "\(open)")
        }
        // 500 levels, well-formed, still parse.
        let fine = Array((String(repeating: "[", count: 500) + String(repeating: "]", count: 500)).utf8)
        #expect(parseError(fine) == nil)
    }

    @Test func hugeNumbersAreRefused() {
        for number in ["1e999", "-1e999", "[1e400]"] {
            #expect(parseError(Array(number.utf8))?.hasPrefix("number out of range") == true, "\(number)")
        }
        // Large but finite numbers read; they are not ids (`int` refuses them).
        guard case .double(let d)? = try? TokenizerJSON.parse(Array("1e300".utf8)) else { Issue.record("1e300"); return }
        #expect(JSONValue.double(d).int == nil)
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]] {
            #expect(parseError(bytes)?.hasPrefix("invalid UTF-8") == true, "\(bytes)")
        }
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        let value = try TokenizerJSON.parse(Array(#"["\ud800", "\udc00x", "\ud83d\ude00", "\ud83d\u0041"]"#.utf8))
        #expect(value.array?.compactMap(\.string) == ["\u{FFFD}", "\u{FFFD}x", "😀", "\u{FFFD}A"])
    }

    @Test func truncatedInputsEndInErrors() {
        let text = Array(#"{"model": {"type": "BPE", "vocab": {"a\u00e9": 0}, "merges": [1.5e3, true, null]}}"#.utf8)
        for end in 0..<text.count {
            #expect(parseError(Array(text[..<end])) != nil, "prefix of \(end) bytes")
        }
        #expect(parseError(text) == nil)
    }

    /// Through the public loader: the same inputs are a clear load error.
    @Test func tokenizerLoadRefusesThem() {
        for bytes in [Array(String(repeating: "[", count: 100_000).utf8), Array(#"{"model": 1e999}"#.utf8), [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]] {
            #expect(throws: TokenizerError.self) { try Tokenizer(tokenizerJSON: Data(bytes)) }
        }
    }

    /// Ids are stored as Int32: larger or negative ids in any component are load errors, not traps.
    @Test func idsOutsideInt32AreRefused() {
        let model = #""model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}"#
        for json in [
            #"{\#(model), "added_tokens": [{"id": 4294967296, "content": "<s>", "special": true}]}"#,
            #"{\#(model), "added_tokens": [{"id": -1, "content": "<s>", "special": true}]}"#,
            #"{\#(model), "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [3000000000], "tokens": ["<s>"]}}}}"#,
            #"{\#(model), "post_processor": {"type": "RobertaProcessing", "cls": ["<s>", 8589934592], "sep": ["</s>", 2]}}"#,
            #"{"model": {"type": "BPE", "vocab": {"a": 2147483648}, "merges": []}}"#,
        ] {
            #expect(throws: TokenizerError.self, "\(json)") { try Tokenizer(tokenizerJSON: Data(json.utf8)) }
        }
    }
}
