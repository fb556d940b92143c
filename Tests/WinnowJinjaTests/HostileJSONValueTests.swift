import Foundation
import Testing
@testable import WinnowJinja
import WinnowJSON

/// `Value(json:)` reads records, tokenizer_config.json and config files: hostile JSON is a
/// `JSONError`, never a stack overflow, a trap or a silently repaired string.
@Suite struct HostileJSONValueTests {
    private func syntaxError(_ bytes: [UInt8]) -> String? {
        do {
            _ = try Value(jsonBytes: bytes)
            return nil
        } catch {
            return error.message  // typed throws: always a JSONError
        }
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        for open in ["[", "{\"a\":", "[{\"a\":"] {
            #expect(syntaxError(Array(String(repeating: open, count: 100_000).utf8)) == "nesting too deep", "\(open)")
        }
    }

    /// Python's json reads 1e999 as inf; so does this reader (a policy then refuses it by name).
    @Test func hugeNumbers() throws {
        #expect(try Value(json: "[1e999, -1e999, 99999999999999999999, -9223372036854775808]")
            == .array([.double(.infinity), .double(-.infinity), .double(1e20), .int(.min)]))
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(syntaxError(bytes) == "invalid UTF-8 in string", "\(bytes)")
        }
    }

    @Test func malformedEscapes() throws {
        for text in [#""\u+abc""#, #""\u-abc""#, #""\u12""#, #""\x41""#] {
            #expect(syntaxError(Array(text.utf8)) != nil, "\(text)")
        }
        #expect(try Value(json: #""\ud800 \udfff \ud83d\ude00""#) == .string("\u{FFFD} \u{FFFD} 😀"))
    }
}
