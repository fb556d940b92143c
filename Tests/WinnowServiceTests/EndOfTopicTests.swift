import BrokerTestSupport
import Foundation
import WinnowKafka
import Testing

/// The harness's view of where a partition ends, which decides when a service test stops
/// `winnow serve` and what it reads back (issue 12).
///
/// The hostile mixed run once reported 35 records of one input partition without an outcome
/// under at-least-once, with the group's committed offsets apparently past them. The service had
/// not lost them: it had not read them yet. The run stopped it once the group's lag was zero,
/// and the lag came from ListOffsets(latest), which Tansu 0.6.0 answers with the newest batch's
/// base offset + 1: 112 for a partition whose records went up to offset 146 (a 1.2 MB record,
/// then 35 small ones produced as one batch). Reading stopped at a 5 s quiet spell, which can
/// hide the same. These pin the harness to the log end a reader actually finds.
@Suite struct EndOfTopicTests {
    @Test("after a large record and a batch of small ones: read to the last record, and a commit short of it is not everything")
    func endAfterALargeRecordAndABatch() async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let topic = uniqueName("ends")
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
        try admin.createTopics([KafkaNewTopic(name: topic, partitions: 1)], timeout: .seconds(10))
        // The shape of the partition that lost its tail: one record over 1 MB, then small ones.
        let records = [HostileRecordsTests.Record(key: "large", value: Array(repeating: UInt8(ascii: "w"), count: 1_200_000), outcome: .selection)]
            + (0..<35).map { HostileRecordsTests.Record(key: "small-\($0)", value: Array(#"{"n": \#($0)}"#.utf8), outcome: .selection) }
        try HostileRecordsTests.produceLarge(records, topic: topic, partitions: 1, broker: broker)
        let partition = KafkaTopicPartition(topic: topic, partition: 0)

        let read = try await readToEnd(topic, broker: broker)
        #expect(read.map(\.keyString) == records.map(\.key), "every record, in order, to the last")
        let ends = try await logEnds(topic, broker: broker)
        #expect(ends == [partition: Int64(records.count)])

        // A member commits short of the end: where ListOffsets puts the end, if that is short
        // (on Tansu it is), else one record before it. That is not everything.
        let listed = try admin.watermarks(topic: topic, partition: 0).high
        let short = min(listed, Int64(records.count) - 1)
        let group = uniqueName("group")
        try await blocking {
            let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group))
            defer { try? consumer.close() }
            try consumer.subscribe(topics: [topic])
            let deadline = ContinuousClock.now + .seconds(30)
            while try consumer.assignment().isEmpty && ContinuousClock.now < deadline { _ = try? consumer.poll(timeout: .milliseconds(100)) }
            try consumer.commit([partition: short])
        }
        #expect(try !hasCommittedEverything(group: group, ends: ends, broker: broker), "committed \(short) of \(records.count)")
        try await blocking {
            let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group))
            defer { try? consumer.close() }
            try consumer.subscribe(topics: [topic])
            let deadline = ContinuousClock.now + .seconds(30)
            while try consumer.assignment().isEmpty && ContinuousClock.now < deadline { _ = try? consumer.poll(timeout: .milliseconds(100)) }
            try consumer.commit([partition: Int64(records.count)])
        }
        #expect(try hasCommittedEverything(group: group, ends: ends, broker: broker))
        print("end of a partition: \(read.count) records read to offset \(ends[partition] ?? -1); ListOffsets(latest) says \(listed)")
    }
}
