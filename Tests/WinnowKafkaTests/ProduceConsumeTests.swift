import BrokerTestSupport
import Foundation
import Synchronization
import WinnowKafka
import Testing

@Suite("Produce and consume through a consumer group on a real Tansu broker")
struct ProduceConsumeTests {
    @Test("300 keyed records to a 3-partition topic come back exactly once each")
    func everyRecordOnce() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let topic = uniqueName("keyed")
        try createTopic(broker, topic, partitions: 3)
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
        #expect(try admin.partitionCount(topic: topic) == 3)

        let count = 300
        let producer = try KafkaProducer(configuration: producerConfiguration(broker))
        let records = (0..<count).map { index in
            KafkaProducerMessage(topic: topic, key: "key-\(index)", value: "value-\(index)",
                                 headers: [KafkaHeader(key: "index", value: "\(index)"),
                                           KafkaHeader(key: "null", value: nil)])
        }
        let reports = try await produceAll(producer, records).map { try $0.get() }
        try producer.close()

        // Delivery reports: one per record, offsets 0..<n within each partition.
        var reportByKey: [String: KafkaDeliveryReport] = [:]
        for (index, report) in reports.enumerated() { reportByKey["key-\(index)"] = report }
        let byPartition = Dictionary(grouping: reports, by: \.partition)
        #expect(Set(byPartition.keys) == [0, 1, 2], "300 distinct keys should hash to all 3 partitions")
        for (_, partitionReports) in byPartition {
            #expect(partitionReports.map(\.offset).sorted() == Array(0..<Int64(partitionReports.count)))
        }

        let events = EventLog()
        let errors = ErrorLog()
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: uniqueName("group")),
                                         onRebalance: { events.append($0) })
        try consumer.subscribe(topics: [topic])
        let started = ContinuousClock.now
        let messages = try await drain(consumer, count: count, timeout: .seconds(30), errors: errors)
        let elapsed = ContinuousClock.now - started
        let extra = try await pollFor(consumer, .milliseconds(500), errors: errors)
        print("KafkaTests: consumed \(messages.count) records in \(elapsed) (group join included)")

        #expect(messages.count == count)
        #expect(extra.isEmpty, "no record may be delivered twice")
        let keys = messages.compactMap(\.keyString)
        #expect(Set(keys).count == count && keys.count == count, "every key exactly once")
        var mismatches: [String] = []
        for message in messages {
            guard let key = message.keyString, let index = Int(key.dropFirst("key-".count)),
                  let report = reportByKey[key] else {
                mismatches.append("unexpected record \(message)")
                continue
            }
            let expectedHeaders = [KafkaHeader(key: "index", value: "\(index)"), KafkaHeader(key: "null", value: nil)]
            if message.valueString != "value-\(index)" || message.topic != topic
                || message.partition != report.partition || message.offset != report.offset
                || message.headers != expectedHeaders || message.timestamp == nil {
                mismatches.append("\(key): got \(message), delivered as \(report)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        // Within a partition, records arrive in offset order.
        for (_, partitionMessages) in Dictionary(grouping: messages, by: \.partition) {
            #expect(partitionMessages.map(\.offset) == partitionMessages.map(\.offset).sorted())
        }
        // The consumer's cached high watermarks (from fetch responses) match what was produced.
        for (partition, partitionReports) in byPartition {
            #expect(consumer.cachedHighWatermark(topic: topic, partition: partition) == Int64(partitionReports.count))
        }

        let all = (0..<3).map { KafkaTopicPartition(topic: topic, partition: $0) }
        #expect(try consumer.assignment() == all)
        #expect(events.events.first == .assigned(all, protocol: .eager))
        #expect(consumer.rebalanceProtocol == .eager)
        try await blocking { try consumer.close() }
        #expect(events.events.last == .revoked(all, protocol: .eager, lost: false),
                "closing hands the partitions back through the rebalance handler")
        #expect(events.events.count == 2)
        #expect(errors.errors.isEmpty, "error events: \(errors.errors)")
    }

    @Test("send awaits the broker's acknowledgement; null and empty keys stay distinct")
    func asyncSendAndNullKeys() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let topic = uniqueName("send")
        try createTopic(broker, topic, partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(broker))
        let first = try await producer.send(KafkaProducerMessage(topic: topic, key: nil as [UInt8]?, value: [1, 2, 3]))
        let second = try await producer.send(KafkaProducerMessage(topic: topic, key: [UInt8](), value: nil as [UInt8]?))
        #expect(first.topicPartition == KafkaTopicPartition(topic: topic, partition: 0))
        #expect((first.offset, second.offset) == (0, 1))
        try producer.close()

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: uniqueName("group")))
        try consumer.subscribe(topics: [topic])
        let messages = try await drain(consumer, count: 2, timeout: .seconds(30), errors: ErrorLog())
        try await blocking { try consumer.close() }
        #expect(messages.count == 2)
        #expect(messages.first?.key == nil && messages.first?.value == [1, 2, 3])
        #expect(messages.last?.key == [] && messages.last?.value == nil)
    }

    @Test("a record for a partition that does not exist fails with a typed delivery error")
    func deliveryFailure() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let topic = uniqueName("missing-partition")
        try createTopic(broker, topic, partitions: 3)
        let producer = try KafkaProducer(configuration: producerConfiguration(broker, extra: ["message.timeout.ms": "5000"]))
        do {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: 7, key: "k", value: "v"))
            Issue.record("a record for partition 7 of a 3-partition topic was acknowledged")
        } catch let error as KafkaError {
            #expect(error.kind == .delivery)
            #expect(error.code == .unknownPartition, "\(error)")
            #expect(!error.isFatal)
        }
        try producer.close()
    }

    @Test("closing a producer fails the records it could not deliver, each handler exactly once")
    func closeFailsUndelivered() async throws {
        // Nothing listens on this port: records stay queued until the producer is closed.
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": "127.0.0.1:1", "linger.ms": "5"])
        let results = ResultsBox(count: 5)
        for index in 0..<5 {
            try producer.produce(KafkaProducerMessage(topic: "nowhere", key: "k\(index)", value: "v")) { results.set(index, $0) }
        }
        #expect(producer.outstandingCount >= 5)
        #expect(throws: KafkaError.self) { try producer.close(timeout: .milliseconds(200)) }
        let failures = try results.all().map { result -> KafkaError? in
            if case .failure(let error) = result { return error } else { return nil }
        }
        #expect(failures.allSatisfy { $0 != nil }, "\(failures)")
        #expect(throws: KafkaError.self) {
            try producer.produce(KafkaProducerMessage(topic: "nowhere", key: "late", value: "v")) { _ in }
        }
    }
}

/// Rebalance events as the handler saw them (the handler runs on the polling thread).
final class EventLog: Sendable {
    private let stored = Mutex<[KafkaRebalanceEvent]>([])

    func append(_ event: KafkaRebalanceEvent) { stored.withLock { $0.append(event) } }

    var events: [KafkaRebalanceEvent] { stored.withLock { $0 } }
}
