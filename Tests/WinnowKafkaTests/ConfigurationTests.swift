import WinnowKafka
import Testing

@Suite("Configuration errors are typed and carry librdkafka's message")
struct ConfigurationTests {
    @Test("an unknown property name")
    func unknownProperty() throws {
        let configuration: KafkaConfiguration = ["bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"]
        do {
            _ = try KafkaProducer(configuration: configuration)
            Issue.record("a producer was created with an unknown property")
        } catch let error as KafkaError {
            #expect(error.kind == .unknownProperty("no.such.property"))
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("No such configuration property"), "\(error.message)")
            #expect(!error.isFatal && !error.isRetriable)
        }
        #expect(throws: KafkaError.self) { try configuration.validate() }
    }

    @Test("a known property with a bad value")
    func invalidValue() throws {
        do {
            _ = try KafkaConsumer(configuration: ["group.id": "g", "session.timeout.ms": "soon"])
            Issue.record("a consumer was created with session.timeout.ms=soon")
        } catch let error as KafkaError {
            #expect(error.kind == .invalidProperty("session.timeout.ms"))
            #expect(error.message.contains("session.timeout.ms"), "\(error.message)")
        }
    }

    @Test("a consumer without group.id")
    func missingGroup() throws {
        #expect(throws: KafkaError(kind: .invalidProperty("group.id"), code: .invalidArgument,
                                   message: "a consumer group member needs group.id")) {
            _ = try KafkaConsumer(configuration: ["bootstrap.servers": "127.0.0.1:1"])
        }
    }

    @Test("-X style assignments split at the first '='")
    func assignments() throws {
        var configuration = KafkaConfiguration()
        try configuration.set(assignment: "sasl.password=a=b")
        try configuration.set(assignment: "client.id=")
        #expect(configuration.properties == ["sasl.password": "a=b", "client.id": ""])
        #expect(throws: KafkaError.self) { try configuration.set(assignment: "no-equals-sign") }
        #expect(throws: KafkaError.self) { try configuration.set(assignment: "=value") }
    }

    @Test("TLS and SASL properties pass through to librdkafka unchanged")
    func securityPassThrough() throws {
        // This librdkafka may be built without SASL; the point is that the names reach
        // librdkafka and its own verdict comes back, never a silent drop.
        let configuration: KafkaConfiguration = ["security.protocol": "ssl", "ssl.endpoint.identification.algorithm": "none"]
        try configuration.validate()
        #expect(throws: KafkaError.self) { try KafkaConfiguration(["security.protocol": "carrier-pigeon"]).validate() }
    }

    @Test("the linked librdkafka is new enough for Tansu")
    func librdkafkaVersion() {
        let parts = KafkaLibrary.librdkafkaVersion.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count >= 2 && (parts[0], parts[1]) >= (2, 3),
                "librdkafka \(KafkaLibrary.librdkafkaVersion) cannot talk to Tansu; run scripts/install-librdkafka.sh")
    }
}
