import BrokerTestSupport
import Foundation
import WinnowKafka
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `winnow serve --exactly-once`: outputs and input offsets commit together in Kafka
/// transactions; consumers read the output topics with isolation.level=read_committed.
@Suite(.serialized) struct ExactlyOnceTests {
    static let readCommitted = ["isolation.level": "read_committed"]

    /// A config file for `--config`: exactly-once, a short transaction interval, a policy and
    /// an SFT topic, all from the file.
    static func configFile(sftTopic: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-\(UUID().uuidString).json")
        try Data("""
            {"exactly_once": true, "transaction_interval_ms": 200, "sft_topic": "\(sftTopic)",
             "max_inflight_tokens": 300, "policy": {"rejection": {"top_k": 1}},
             "kafka": {"transaction.timeout.ms": 30000}}
            """.utf8).write(to: url)
        return url
    }

    static func groupIDs(_ messages: [KafkaMessage]) throws -> [String] {
        try messages.map { try jsonObject($0)["group_id"] as! String }
    }

    @Test("exactly-once from a config file: G groups, exactly G results and G SFT rows for read_committed, offsets committed with them")
    func transactionsCommitOutputsWithOffsets() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let sftTopic = uniqueName("sft")
        try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
            .createTopics([KafkaNewTopic(name: sftTopic, partitions: 2)], timeout: .seconds(10))
        let config = try Self.configFile(sftTopic: sftTopic)
        defer { try? FileManager.default.removeItem(at: config) }
        let groups = ServeIntegrationTests.groups(30, prefix: "eos")
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 3, broker: broker)

        let serve = try ServeProcess(broker: broker, topics: topics, model: model,
                                     extra: ["--config", config.path, "--metrics-address", "127.0.0.1:0"])
        let results = try await readTopic(topics.results, broker: broker, extra: Self.readCommitted, count: groups.count,
                                          timeout: .seconds(60), idle: .seconds(60))
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(serve.log.suffix(3000))")
        #expect(serve.log.contains("delivery=exactly-once") && serve.log.contains("transaction committed"))

        let ids = try Self.groupIDs(results)
        #expect(ids.count == groups.count && Set(ids) == Set(groups.map(\.id)), "log:\n\(serve.log.suffix(3000))")
        let samples = try await readTopic(sftTopic, broker: broker, extra: Self.readCommitted, timeout: .seconds(20), idle: .seconds(2))
        #expect(try Self.groupIDs(samples).sorted() == groups.map(\.id).sorted(), "one accepted sample (top_k 1) per group")
        let expected = try ServeIntegrationTests.expectedSelections(groups, model: model)
        let byID = Dictionary(uniqueKeysWithValues: groups.map { ($0.id, $0) })
        for message in results { try ServeIntegrationTests.check(message, expected: expected, groups: byID) }
        try expectMatchesSchema(jsonLines: ServeIntegrationTests.values(results), "selection")
        try expectMatchesSchema(jsonLines: ServeIntegrationTests.values(samples), "sft-sample")

        // The offsets went with the transactions: the group's next member has nothing left to read.
        let remaining = try await uncommittedInput(topics, broker: broker)
        #expect(remaining.isEmpty, "input records left uncommitted: \(remaining.compactMap(\.keyString))")
    }

    @Test("exactly-once, kill -9 mid-stream, then a restart: every group has a result for read_committed, none twice")
    func killAndRestart() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let groups = ServeIntegrationTests.groups(60, prefix: "eosk")
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 3, broker: broker)
        let flags = ["--exactly-once", "--transaction-interval-ms", "200", "--max-inflight-tokens", "300"]

        let first = try ServeProcess(broker: broker, topics: topics, model: model, extra: flags)
        let deadline = ContinuousClock.now + .seconds(60)
        // Some transactions committed, and more work in flight, when it dies.
        while first.log.components(separatedBy: "transaction committed").count < 4 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        first.signal(SIGKILL)
        #expect(await first.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
        let committedBefore = try await readTopic(topics.results, broker: broker, extra: Self.readCommitted, timeout: .seconds(20))
        #expect(!committedBefore.isEmpty && committedBefore.count < groups.count, "killed mid-stream")

        // Same group and host, so the same transactional.id: the restart fences the dead
        // instance and aborts its open transaction.
        let second = try ServeProcess(broker: broker, topics: topics, model: model, extra: flags)
        var results: [KafkaMessage] = []
        var ids: Set<String> = []
        let until = ContinuousClock.now + .seconds(90)
        while ids.count < groups.count && ContinuousClock.now < until {
            results = try await readTopic(topics.results, broker: broker, extra: Self.readCommitted, count: groups.count,
                                          timeout: .seconds(30))
            ids = Set(try Self.groupIDs(results))
        }
        second.signal(SIGTERM)
        #expect(await second.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(second.log.suffix(3000))")
        #expect(ids == Set(groups.map(\.id)), "every group has a result; log:\n\(second.log.suffix(3000))")
        let duplicates = results.count - ids.count
        print("exactly-once kill -9: \(results.count) results for \(groups.count) groups read_committed, \(duplicates) duplicates")
        withKnownIssue("""
            Tansu 0.6.0 sends an empty aborted-transactions list in every Fetch response, so \
            read_committed consumers also get the records of the dead instance's aborted transaction \
            (see WinnowKafkaTests.TransactionTests); on Kafka they are dropped
            """, isIntermittent: true) {
            #expect(duplicates == 0, "duplicates visible to read_committed")
        }
        // Whatever Tansu shows, what was committed before the kill is never produced again in
        // a committed transaction: the restart starts after the committed offsets.
        let remaining = try await uncommittedInput(topics, broker: broker)
        #expect(remaining.isEmpty)
    }
}
