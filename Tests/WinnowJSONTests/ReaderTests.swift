import Testing
import WinnowJSON

/// The reader: strict RFC 8259, order kept, exact strings, numbers as their text says, and every
/// bad input a `JSONError` with the byte offset.
@Suite struct ReaderTests {
    private func error(_ text: String, _ reader: JSONReader = JSONReader()) -> JSONError? {
        do { _ = try reader.read(text); return nil } catch { return error }
    }

    private func error(bytes: [UInt8]) -> JSONError? {
        do { _ = try JSONReader().read(bytes); return nil } catch { return error }
    }

    @Test func objectsKeepKeyOrder() throws {
        let keys = ["zeta", "alpha", "mid", "ß", "0", ""]
        let text = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ", ") + "}"
        let object = try #require(try JSONValue(json: text).object)
        #expect(object.keys == keys)
        #expect(object.map(\.key) == keys)
    }

    /// A repeated key keeps its first position and its last value (Python's json, serde_json maps).
    @Test func duplicateKeysKeepFirstPlaceAndLastValue() throws {
        let object = try #require(try JSONValue(json: #"{"a": 1, "b": 2, "a": 3}"#).object)
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == .int(3))
    }

    /// Keys are distinct when their bytes are: Swift's `String ==` would merge these two.
    @Test func canonicallyEquivalentKeysStayDistinct() throws {
        let object = try #require(try JSONValue(json: "{\"\u{E9}\": 1, \"e\u{301}\": 2}").object)
        #expect(object.count == 2)
        #expect(object["\u{E9}"] == .int(1))
        #expect(object["e\u{301}"] == .int(2))
    }

    @Test func scalarsAndEscapes() throws {
        let value = try JSONValue(json: #"[1, -2.5, 1e3, true, false, null, "a\u00e9\ud83d\ude00\n\"\/\b\f\r\t", {}, []]"#)
        #expect(value == [1, -2.5, 1000.0, true, false, nil, "aé😀\n\"/\u{08}\u{0C}\r\t", .object([:]), []])
    }

    @Test func integersAndFloatsStayApart() throws {
        #expect(try JSONValue(json: "3") == .int(3))
        #expect(try JSONValue(json: "3.0") == .double(3))
        #expect(try JSONValue(json: "3e0") == .double(3))
        #expect(try JSONValue(json: "-0") == .int(0))
        let negativeZero = try #require(try JSONValue(json: "-0.0").double)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
    }

    /// Integers outside Int become the nearest double, as both readers before did; 1e999 is
    /// infinity (Python) or refused (serde_json, for tokenizer.json).
    @Test func bigNumbers() throws {
        #expect(try JSONValue(json: "[99999999999999999999, -9223372036854775808, 9223372036854775807, 123456789012345678]")
            == [.double(1e20), .int(.min), .int(.max), .int(123_456_789_012_345_678)])
        #expect(try JSONValue(json: "[1e999, -1e999]") == [.double(.infinity), .double(-.infinity)])
        let refused = error("[1, 1e999]", JSONReader(nonFiniteNumbers: .reject))
        #expect(refused == .syntax("number out of range", offset: 4))
        #expect(try JSONValue(json: "1e300").int == nil, "finite but not a whole number below 9e15")
        #expect(try JSONValue(json: "5.0").int == 5)
    }

    @Test(arguments: ["NaN", "Infinity", "-Infinity", "nan", "01", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "--1", "1.2.3"])
    func numbersOutsideTheGrammarAreRefused(_ text: String) {
        #expect(error(text) != nil, "\(text)")
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        let value = try JSONValue(json: #"["\ud800", "\udc00x", "\ud83d\ude00", "\ud83d\u0041", "\ud800\ud800"]"#)
        #expect(value == ["\u{FFFD}", "\u{FFFD}x", "😀", "\u{FFFD}A", "\u{FFFD}\u{FFFD}"])
    }

    @Test func invalidUTF8IsRefusedAtTheString() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                               [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x5B, 0x22, 0x5C, 0x6E, 0xC3, 0x22, 0x5D]] {
            #expect(error(bytes: bytes)?.message == "invalid UTF-8 in string", "\(bytes)")
        }
        #expect(error(bytes: [0x5B, 0x31, 0x2C, 0x22, 0xFF, 0x22, 0x5D])?.offset == 4, "offset of the string's first byte")
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        for open in ["[", "{\"a\":", "[{\"a\":"] {
            #expect(error(String(repeating: open, count: 100_000))?.message == "nesting too deep", "\(open)")
        }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(error(fine) == nil)
        let tooDeep = String(repeating: "[", count: JSONReader.maximumDepth + 1) + String(repeating: "]", count: JSONReader.maximumDepth + 1)
        #expect(error(tooDeep) == .syntax("nesting too deep", offset: JSONReader.maximumDepth))
    }

    @Test(arguments: ["", " ", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "tru", "nul", "\"unterminated", "[1] 2",
                      "{1: 2}", "\"\\x41\"", "\"\\u12\"", "\"\\u+abc\"", "\"a\u{01}b\"", "\u{FEFF}{}", "[1 2]"])
    func malformedTextIsRefused(_ text: String) {
        #expect(error(text) != nil, "\(text.debugDescription)")
    }

    @Test func errorsNameTheByte() {
        #expect(error(#"{"a": tru}"#) == .syntax("unexpected character", offset: 6))
        #expect(error("[1] 2") == .syntax("trailing characters", offset: 4))
        #expect(error("\"a\nb\"") == .syntax("control character in string", offset: 2))
        #expect(error(#""a\qb""#) == .syntax("invalid escape", offset: 3))
        #expect(error("[1,").map(\.description) == "invalid JSON at byte 3: unexpected end of input")
    }

    @Test func readsFromAnyByteCollection() throws {
        let bytes: [UInt8] = Array(#"{"k": [1, "v"]}"#.utf8)
        #expect(try JSONReader().read(bytes) == ["k": [1, "v"]])
        #expect(try JSONReader().read(bytes[...]) == ["k": [1, "v"]])
        #expect(try JSONReader().read(AnyCollection(bytes)) == ["k": [1, "v"]])
    }
}
