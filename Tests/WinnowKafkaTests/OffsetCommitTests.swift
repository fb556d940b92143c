import BrokerTestSupport
import WinnowKafka
import Testing

@Suite("Explicit offset commits")
struct OffsetCommitTests {
    @Test("a second member of the group resumes right after the committed offsets")
    func resumeAfterCommit() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let topic = uniqueName("commits")
        let group = uniqueName("group")
        try createTopic(broker, topic, partitions: 3)
        // One record per batch: Tansu 0.6.0 answers ListOffsets(latest) with the newest batch's
        // base offset + 1 rather than the log end, which is the same thing only for 1-record
        // batches. Fetch responses carry the right high watermark either way.
        let producer = try KafkaProducer(configuration: producerConfiguration(broker, extra: ["batch.num.messages": "1"]))
        let count = 60
        _ = try await produceAll(producer, (0..<count).map {
            KafkaProducerMessage(topic: topic, key: "key-\($0)", value: "value-\($0)")
        }).map { try $0.get() }
        try producer.close()

        // First member: read everything, commit half of each partition.
        let errors = ErrorLog()
        let first = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group))
        try first.subscribe(topics: [topic])
        let all = try await drain(first, count: count, timeout: .seconds(30), errors: errors)
        #expect(all.count == count)
        let perPartition = Dictionary(grouping: all, by: \.topicPartition)
        var commit: [KafkaTopicPartition: Int64] = [:]
        for (partition, messages) in perPartition {
            let processed = messages.sorted { $0.offset < $1.offset }.prefix(messages.count / 2)
            commit[partition] = processed.last.map(\.nextOffset) ?? 0
        }
        try first.commit(commit)
        #expect(try first.committed(Array(perPartition.keys)) == commit)
        try await blocking { try first.close() }

        // The admin view agrees, and lag is what was not committed.
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
        #expect(try admin.committedOffsets(group: group, partitions: Array(perPartition.keys)) == commit)
        let lag = try admin.lag(group: group, topic: topic)
        #expect(lag.count == 3)
        for entry in lag {
            let total = Int64(perPartition[entry.partition]?.count ?? 0)
            #expect(entry.watermarks.high == total, "\(entry.partition)")
            #expect(entry.committed == commit[entry.partition])
            #expect(entry.lag == total - (commit[entry.partition] ?? 0))
        }

        // Second member of the same group: only what came after the commits.
        let second = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group))
        try second.subscribe(topics: [topic])
        let expected = all.filter { $0.offset >= commit[$0.topicPartition]! }
        let resumed = try await drain(second, count: expected.count, timeout: .seconds(30), errors: errors)
        let extra = try await pollFor(second, .milliseconds(500), errors: errors)
        try await blocking { try second.close() }
        #expect(Set(resumed) == Set(expected))
        #expect(resumed.count == expected.count && extra.isEmpty)
        for (partition, messages) in Dictionary(grouping: resumed, by: \.topicPartition) {
            #expect(messages.map(\.offset).min() == commit[partition], "\(partition) resumes at its commit")
        }
        #expect(errors.errors.isEmpty, "error events: \(errors.errors)")
    }
}
