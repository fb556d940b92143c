import Testing
import WinnowService

/// `WINNOW_KAFKA_PROPERTIES`: a password may hold ';', '=' and backslashes; errors never show it.
@Suite struct KafkaPropertiesTextTests {
    static func pairs(_ text: String) throws -> [String] {
        try KafkaPropertiesText.parse(text).map { "\($0.key)=\($0.value)" }
    }

    @Test("entries split on newlines and ';'; a backslash keeps the next character")
    func escapedSeparators() throws {
        #expect(try Self.pairs("security.protocol=SASL_SSL;sasl.password=p\\;w=d\\\\x\nsasl.mechanism=PLAIN") ==
                ["security.protocol=SASL_SSL", "sasl.password=p;w=d\\x", "sasl.mechanism=PLAIN"])
        #expect(try Self.pairs(" ; linger.ms=5 ;\n") == ["linger.ms=5"])
    }

    @Test("the JSON form takes any value as it is")
    func jsonForm() throws {
        #expect(try Self.pairs(#"{"sasl.password": "a;b\\c=d", "linger.ms": 5, "enable.idempotence": true}"#) ==
                ["sasl.password=a;b\\c=d", "linger.ms=5", "enable.idempotence=true"])
    }

    @Test("a password cut at an unescaped ';' is refused without quoting any of it")
    func errorsNeverQuoteValues() throws {
        let secret = "hunter2;tail-of-the-password"
        do {
            _ = try KafkaPropertiesText.parse("sasl.password=\(secret)")
            Issue.record("an entry without '=' must be refused")
        } catch {
            #expect(!error.description.contains("tail-of-the-password") && !error.description.contains("hunter2"))
            #expect(error.description.contains("entry 2"))
        }
        do {
            _ = try KafkaPropertiesText.parse(#"{"sasl.password": ["hunter2"]}"#)
            Issue.record("a non-scalar value must be refused")
        } catch {
            #expect(!error.description.contains("hunter2") && !error.description.contains("sasl.password"))
        }
    }
}
