import BrokerTestSupport
import WinnowKafka
import Testing

@Suite("Exactly-once: transactional produce with consumer offsets")
struct TransactionTests {
    @Test("read_committed reads committed transactions only; offsets commit with their transaction")
    func consumeTransformProduce() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let input = uniqueName("txn-in")
        let output = uniqueName("txn-out")
        let inputGroup = uniqueName("txn-group")
        try createTopic(broker, input, partitions: 3)
        try createTopic(broker, output, partitions: 3)
        let errors = ErrorLog()

        // Input records, produced plainly.
        let plain = try KafkaProducer(configuration: producerConfiguration(broker))
        let inputCount = 12
        _ = try await produceAll(plain, (0..<inputCount).map {
            KafkaProducerMessage(topic: input, key: "in-\($0)", value: "\($0)")
        }).map { try $0.get() }
        try plain.close()

        let source = try KafkaConsumer(configuration: consumerConfiguration(broker, group: inputGroup))
        try source.subscribe(topics: [input])
        let records = try await drain(source, count: inputCount, timeout: .seconds(30), errors: errors)
        try #require(records.count == inputCount)
        let batches = [Array(records[0..<4]), Array(records[4..<8]), Array(records[8...])]
        let inputPartitions = (0..<3).map { KafkaTopicPartition(topic: input, partition: $0) }

        let producer = try KafkaProducer(configuration: producerConfiguration(
            broker, extra: ["transactional.id": uniqueName("winnow-txn"), "transaction.timeout.ms": "30000"]))
        #expect(producer.isTransactional)
        try await blocking { try producer.initTransactions(timeout: .seconds(20)) }

        /// Offsets covering everything consumed up to and including `batch`.
        func offsets(through batch: Int) -> [KafkaTopicPartition: Int64] {
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for record in batches[0...batch].joined() {
                offsets[record.topicPartition] = max(offsets[record.topicPartition] ?? 0, record.nextOffset)
            }
            return offsets
        }
        func transform(_ batch: [KafkaMessage], label: String) -> [KafkaProducerMessage] {
            batch.map { KafkaProducerMessage(topic: output, key: $0.key, value: Array("\(label)-\($0.valueString!)".utf8)) }
        }
        func values(_ messages: [KafkaMessage]) -> Set<String> { Set(messages.compactMap(\.valueString)) }
        let committedReader = try KafkaConsumer(configuration: consumerConfiguration(
            broker, group: uniqueName("reader"), extra: ["isolation.level": "read_committed"]))
        try committedReader.subscribe(topics: [output])
        let uncommittedReader = try KafkaConsumer(configuration: consumerConfiguration(
            broker, group: uniqueName("reader"), extra: ["isolation.level": "read_uncommitted"]))
        try uncommittedReader.subscribe(topics: [output])

        // Transaction 1: committed, with the offsets of batch 0.
        try producer.beginTransaction()
        _ = try await produceAll(producer, transform(batches[0], label: "first")).map { try $0.get() }
        try producer.sendOffsetsToTransaction(offsets(through: 0), groupMetadata: try source.groupMetadata())
        try await blocking { try producer.commitTransaction() }
        #expect(try source.committed(inputPartitions) == offsets(through: 0),
                "offsets sent in a committed transaction are committed")
        let firstSeen = try await drain(committedReader, count: batches[0].count, timeout: .seconds(30), errors: errors)
        #expect(values(firstSeen) == Set(batches[0].map { "first-\($0.valueString!)" }))

        // Transaction 2, still open: its records are in the log (read_uncommitted sees them) but
        // read_committed stops at the last stable offset.
        try producer.beginTransaction()
        _ = try await produceAll(producer, transform(batches[1], label: "open")).map { try $0.get() }
        try producer.sendOffsetsToTransaction(offsets(through: 1), groupMetadata: try source.groupMetadata())
        let dirty = try await drain(uncommittedReader, count: batches[0].count + batches[1].count,
                                    timeout: .seconds(30), errors: errors)
        #expect(values(dirty).filter { $0.hasPrefix("open-") }.count == batches[1].count)
        let whileOpen = try await pollFor(committedReader, .seconds(2), errors: errors)
        #expect(whileOpen.isEmpty, "read_committed delivered records of an open transaction: \(values(whileOpen))")

        // ... then aborted: its offsets are not committed.
        try await blocking { try producer.abortTransaction() }
        #expect(try source.committed(inputPartitions) == offsets(through: 0),
                "offsets sent in an aborted transaction are not committed")

        // Transaction 3: batch 1 again plus batch 2, committed.
        try producer.beginTransaction()
        _ = try await produceAll(producer, transform(batches[1] + batches[2], label: "third")).map { try $0.get() }
        try producer.sendOffsetsToTransaction(offsets(through: 2), groupMetadata: try source.groupMetadata())
        try await blocking { try producer.commitTransaction() }
        #expect(try source.committed(inputPartitions) == offsets(through: 2))
        try producer.close()
        try await blocking { try source.close() }

        let expectedThird = Set((batches[1] + batches[2]).map { "third-\($0.valueString!)" })
        let rest = try await drain(committedReader, count: .max, timeout: .seconds(4), errors: errors)
        #expect(values(rest).filter { $0.hasPrefix("third-") } == expectedThird)
        withKnownIssue("""
            Tansu 0.6.0 sends an empty aborted-transactions list in every Fetch response \
            (tansu-storage/src/service/fetch.rs), so librdkafka cannot drop an aborted \
            transaction's records once the transaction is closed
            """) {
            #expect(!values(rest).contains { $0.hasPrefix("open-") }, "read_committed delivered aborted records")
        }
        try await blocking { try committedReader.close(); try uncommittedReader.close() }
        #expect(errors.errors.isEmpty, "error events: \(errors.errors)")
    }

    @Test("transactional calls out of order give typed errors")
    func outOfOrder() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let producer = try KafkaProducer(configuration: producerConfiguration(
            broker, extra: ["transactional.id": uniqueName("winnow-txn")]))
        #expect(throws: KafkaError.self, "begin before init") { try producer.beginTransaction() }
        try await blocking { try producer.initTransactions(timeout: .seconds(20)) }
        do {
            try producer.commitTransaction()
            Issue.record("commit without begin succeeded")
        } catch let error as KafkaError {
            #expect(error.kind == .transaction)
            #expect(error.code == .state, "\(error)")
        }
        try producer.close()
    }
}
