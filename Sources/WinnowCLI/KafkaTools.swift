import ArgumentParser
import Foundation
import Synchronization
import WinnowJSON
import WinnowKafka

/// Connection flags shared by `winnow produce` and `winnow consume`.
struct BrokerOptions: ParsableArguments {
    @Option(name: .long, help: "Kafka bootstrap servers, host:port[,host:port].")
    var brokers: String = "127.0.0.1:9092"

    @Option(name: .long, help: "Topic to write or read.")
    var topic: String

    @Option(name: .customShort("X"), help: ArgumentHelp("librdkafka property key=value, passed through unchanged (repeatable).", valueName: "key=value"))
    var kafkaProperties: [String] = []

    func configuration(_ base: [String: String]) throws -> KafkaConfiguration {
        var configuration = KafkaConfiguration(base.merging(["bootstrap.servers": brokers]) { _, new in new })
        for assignment in kafkaProperties { try configuration.set(assignment: assignment) }
        return configuration
    }
}

/// `winnow produce`: JSONL lines to a topic, one record each, keyed by a field of the line.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Write JSONL lines to a Kafka topic, one record per line, keyed by a field (prompt groups by group_id).",
        discussion: "Waits until the broker acknowledged every record; the exit status is 1 if any was not.")

    @OptionGroup var broker: BrokerOptions

    @Option(name: .long, help: "Field of each line whose value becomes the record key (absent: no key).")
    var keyField: String = "group_id"

    @Option(name: .long, help: "JSONL input file, or - for standard input.")
    var input: String = "-"

    func run() throws {
        let producer = try KafkaProducer(configuration: broker.configuration(["enable.idempotence": "true"]))
        let failures = FailureCount()
        var sent = 0
        for line in try LineReader(path: input) where !line.allSatisfy(\.isWhitespace) {
            var key: String? = nil
            if let value = (try? JSONValue(json: line))?[keyField] {
                key = value.string ?? value.jsonText
            }
            try producer.produce(KafkaProducerMessage(topic: broker.topic, key: key, value: line)) { result in
                if case .failure(let error) = result { failures.record(error) }
            }
            sent += 1
        }
        try producer.flush(timeout: .seconds(30))
        try producer.close()
        FileHandle.standardError.write(Data("winnow produce: \(sent - failures.count) of \(sent) records written to \(broker.topic)\n".utf8))
        if failures.count > 0 { throw ExitCode(1) }
    }
}

/// `winnow consume`: records of a topic as lines on standard output.
struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print the values of a Kafka topic's records, one per line, from the beginning.",
        discussion: "Stops after --count records, or when --timeout seconds pass without a new one (exit status 1 if fewer than --count arrived).")

    @OptionGroup var broker: BrokerOptions

    @Option(name: .long, help: "Records to read before stopping (0: until --timeout passes with nothing new).")
    var count: Int = 0

    @Option(name: .long, help: "Seconds to wait for the next record.")
    var timeout: Double = 30

    @Option(name: .long, help: "Consumer group (default: a fresh one, so every record is read; nothing is committed).")
    var group: String?

    @Flag(name: .long, help: "Print {\"timestamp_ms\": <the record's timestamp>, \"value\": \"<its value as a string>\"} per record.")
    var timestamps = false

    func run() throws {
        let consumer = try KafkaConsumer(configuration: broker.configuration([
            "group.id": group ?? "winnow-consume-\(UUID().uuidString)",
            "auto.offset.reset": "earliest", "enable.auto.commit": "false", "session.timeout.ms": "6000",
        ]))
        try consumer.subscribe(topics: [broker.topic])
        var read = 0
        var lastRecord = Date()
        while count == 0 || read < count {
            if let message = try consumer.poll(timeout: .milliseconds(200)) {
                let value = String(decoding: message.value ?? [], as: UTF8.self)
                if timestamps {
                    let line: JSONValue = ["timestamp_ms": message.timestamp.map { .int(Int($0.millisecondsSinceEpoch)) } ?? .null,
                                           "value": .string(value)]
                    print(line.jsonText)
                } else {
                    print(value)
                }
                read += 1
                lastRecord = Date()
            } else if Date().timeIntervalSince(lastRecord) > timeout {
                break
            }
        }
        fflush(CStandardStreams.output)
        try consumer.close()
        if count > 0 && read < count {
            FileHandle.standardError.write(Data("winnow consume: \(read) of \(count) records arrived within \(timeout) s\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Delivery failures counted from librdkafka's callback thread.
private final class FailureCount: Sendable {
    private let failures = Mutex<[KafkaError]>([])
    var count: Int { failures.withLock { $0.count } }
    func record(_ error: KafkaError) {
        failures.withLock { $0.append(error) }
        FileHandle.standardError.write(Data("winnow produce: a record was not written: \(error)\n".utf8))
    }
}
