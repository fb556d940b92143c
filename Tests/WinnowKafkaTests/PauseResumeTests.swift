import BrokerTestSupport
import WinnowKafka
import Testing

@Suite("Pausing partitions under back-pressure")
struct PauseResumeTests {
    @Test("a paused partition delivers nothing until resumed, then continues where it stopped")
    func pauseThenResume() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let topic = uniqueName("pause")
        try createTopic(broker, topic, partitions: 3)
        let errors = ErrorLog()

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: uniqueName("group")))
        try consumer.subscribe(topics: [topic])
        try await waitForAssignment(consumer, partitions: 3)
        let paused = KafkaTopicPartition(topic: topic, partition: 0)
        try consumer.pause([paused])

        let perPartition = 10
        let producer = try KafkaProducer(configuration: producerConfiguration(broker))
        let records = (0..<Int32(3)).flatMap { partition in
            (0..<perPartition).map {
                KafkaProducerMessage(topic: topic, partition: partition, key: "p\(partition)-\($0)", value: "v")
            }
        }
        _ = try await produceAll(producer, records).map { try $0.get() }
        try producer.close()

        let unpaused = try await drain(consumer, count: 2 * perPartition, timeout: .seconds(20), errors: errors)
        let whilePaused = try await pollFor(consumer, .seconds(2), errors: errors)
        #expect(unpaused.count == 2 * perPartition)
        #expect(Set(unpaused.map(\.partition)) == [1, 2])
        #expect(whilePaused.isEmpty, "a paused partition delivered \(whilePaused.count) records")
        #expect(try consumer.assignment().count == 3, "pausing keeps the partition assigned")

        try consumer.resume([paused])
        let afterResume = try await drain(consumer, count: perPartition, timeout: .seconds(20), errors: errors)
        #expect(afterResume.map(\.partition) == Array(repeating: 0, count: perPartition))
        #expect(afterResume.map(\.offset) == Array(0..<Int64(perPartition)))
        #expect(try consumer.position([paused]) == [paused: Int64(perPartition)])
        try await blocking { try consumer.close() }
        #expect(errors.errors.isEmpty, "error events: \(errors.errors)")
    }

    @Test("pausing a partition the consumer does not own is reported")
    func pauseUnknownPartition() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: uniqueName("group")))
        #expect(throws: KafkaError.self) {
            try consumer.pause([KafkaTopicPartition(topic: "not-assigned", partition: 0)])
        }
        try await blocking { try consumer.close() }
    }
}
