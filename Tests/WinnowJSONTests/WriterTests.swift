import Testing
import WinnowJSON

/// The writer: compact records, Python `json.dumps` layouts, escaping once, Python float repr.
@Suite struct WriterTests {
    @Test func compactKeepsOrder() {
        let value: JSONValue = ["z": 1, "a": [true, nil, "x"], "m": ["k": 2.5]]
        #expect(value.jsonText == #"{"z":1,"a":[true,null,"x"],"m":{"k":2.5}}"#)
    }

    @Test func pythonLayouts() {
        let value: JSONValue = ["b": [1, 2], "a": .object([:]), "c": []]
        #expect(JSONWriter.python().string(value) == #"{"b": [1, 2], "a": {}, "c": []}"#)
        #expect(JSONWriter.python(sortKeys: true).string(value) == #"{"a": {}, "b": [1, 2], "c": []}"#)
        #expect(JSONWriter.python(indent: "  ").string(value) == "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": {},\n  \"c\": []\n}")
        #expect(JSONWriter.python(itemSeparator: ",", keySeparator: ":").string(value) == #"{"b":[1,2],"a":{},"c":[]}"#)
    }

    /// json.dumps escapes: the named controls, other controls as \u00XX, and with ensure_ascii
    /// everything past `~` (DEL included), astral scalars as surrogate pairs.
    @Test func escapingMatchesPython() {
        let s = "q\"b\\n\n\r\t\u{08}\u{0C}\u{01}\u{1F}/\u{7F}é😀"
        #expect(JSONWriter.quoted(s) == "\"q\\\"b\\\\n\\n\\r\\t\\b\\f\\u0001\\u001f/\u{7F}é😀\"")
        #expect(JSONWriter.quoted(s, ensureASCII: true)
            == #""q\"b\\n\n\r\t\b\f\u0001\u001f/\u007f\u00e9\ud83d\ude00""#)
    }

    /// Python's float repr: shortest digits, positional for 1e-4 <= |x| < 1e16.
    @Test(arguments: [
        (0.1, "0.1"), (1.0, "1.0"), (-0.0, "-0.0"), (0.0, "0.0"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
        (9007199254740992.0, "9007199254740992.0"), (0.0001, "0.0001"), (0.00001, "1e-05"), (1.5e-7, "1.5e-07"),
        (123456789.125, "123456789.125"), (1e300, "1e+300"), (-2.5, "-2.5"), (Double.leastNonzeroMagnitude, "5e-324"),
    ])
    func floatsMatchPythonRepr(_ value: Double, _ text: String) {
        #expect(JSONValue.double(value).jsonText == text)
    }

    @Test func floatsWriteTheirShortestDigits() {
        #expect(JSONValue(Float(0.1)).jsonText == "0.1")
        #expect(JSONValue(Float(-3.4028235e38)).jsonText == "-3.4028235e+38")
        #expect(JSONValue(Float.nan).jsonText == "null")
    }

    @Test func nonFiniteNumbers() {
        let value: JSONValue = [.double(.nan), .double(.infinity), .double(-.infinity)]
        #expect(value.jsonText == "[null,null,null]")
        #expect(JSONWriter.python().string(value) == "[NaN, Infinity, -Infinity]")
    }

    @Test func bigIntegers() {
        #expect(JSONValue.int(.min).jsonText == "-9223372036854775808")
        #expect(JSONValue.int(.max).jsonText == "9223372036854775807")
    }

    /// Whatever the reader takes (finite), the writer's text reads back to the same value.
    @Test func roundTrips() throws {
        let texts = [
            #"{"b":[1,-0.0,2.5e-8,1e+300,"\u0000\ud800😀é"],"a":{"":null,"x":[[],{}]},"n":-9223372036854775808}"#,
            #"[99999999999999999999, 0.1, 3, "tab\there"]"#,
        ]
        for text in texts {
            let value = try JSONValue(json: text)
            for writer in [JSONWriter.compact, JSONWriter.python(), JSONWriter.python(ensureASCII: false, indent: "\t", sortKeys: true)] {
                let again = try JSONValue(json: writer.string(value))
                if writer.sortKeys {
                    #expect(again.object?.count == value.object?.count)
                } else {
                    #expect(again == value, "\(writer.string(value))")
                }
            }
        }
    }
}
