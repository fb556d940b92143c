import BrokerTestSupport
import Foundation
import WinnowKafka
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Output topics the broker refuses for good. Tansu has no ACLs, and a deleted topic comes back
/// at the next produce (it creates topics on use), so a topic name the broker rejects
/// (`TOPIC_EXCEPTION`, as final as `TOPIC_AUTHORIZATION_FAILED`) stands in for an unauthorized one.
@Suite(.serialized) struct RefusedOutputTopicTests {
    static let refusedTopic = "refused topic!"

    /// The resident set size of `pid` now and at its peak, in KiB, from /proc.
    static func memory(_ pid: pid_t) -> (rss: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    static func metricsPort(_ serve: ServeProcess) async throws -> UInt16 {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let port = serve.log.components(separatedBy: "address=127.0.0.1:").dropFirst().first.flatMap({ UInt16($0.prefix { $0.isNumber }) }) {
                return port
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError(description: "no metrics port in the log:\n\(serve.log.suffix(2000))")
    }

    @Test("a refused results topic: every group is dead-lettered output_rejected with the producer's error, and its partition commits",
          arguments: [false, true])
    func refusedResultsTopicDeadLetters(exactlyOnce: Bool) async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 2)
        defer { broker.stop() }
        let groups = ServeIntegrationTests.groups(8, prefix: "refused")
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 2, broker: broker)
        let serve = try ServeProcess(broker: broker, topics: topics, model: model,
                                     extra: ["--results-topic", Self.refusedTopic, "--transaction-interval-ms", "200"]
                                         + (exactlyOnce ? ["--exactly-once"] : []))
        let readCommitted = exactlyOnce ? ["isolation.level": "read_committed"] : [:]
        let letters = try await readTopic(topics.deadLetters, broker: broker, extra: readCommitted, count: groups.count,
                                          timeout: .seconds(90), idle: .seconds(90))
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(serve.log.suffix(3000))")
        let objects = try letters.map(jsonObject)
        #expect(objects.compactMap { $0["key"] as? String }.sorted() == groups.map(\.id).sorted(), "log:\n\(serve.log.suffix(3000))")
        // The broker answers the topic's metadata with TOPIC_EXCEPTION; once librdkafka has cached
        // that answer it fails later records for the topic locally as _UNKNOWN_TOPIC. Which one a
        // record meets depends on timing (seen in exactly-once under load); both name the refusal.
        let outcomes = objects.map { "\($0["reason"] as? String ?? "-")/\($0["producer_error"] as? String ?? "-")" }
        #expect(outcomes.allSatisfy { ["output_rejected/TOPIC_EXCEPTION", "output_rejected/_UNKNOWN_TOPIC"].contains($0) },
                "\(outcomes); log:\n\(serve.log.suffix(4000))")
        try expectMatchesSchema(jsonLines: ServeIntegrationTests.values(letters), "dead-letter")
        #expect(try await uncommittedInput(topics, broker: broker).isEmpty, "the partitions committed past every record")
    }

    @Test("results and dead-letter topics both refused: intake stops at the byte budget, the stall is reported, nothing is committed")
    func everyOutputRefusedHoldsMemoryAndCommitsNothing() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 2)
        defer { broker.stop() }
        // 300 groups of about 40 KB each (12 MB); the service may hold 2 MiB.
        let padding = String(repeating: "p", count: 40_000)
        let groups = ServeIntegrationTests.groups(300, prefix: "stall")
        let records = groups.map { group -> (key: String, value: [UInt8]?) in
            var object = try! JSONSerialization.jsonObject(with: Data(group.record)) as! [String: Any]
            object["metadata"] = ["padding": padding]
            return (group.id, Array(try! JSONSerialization.data(withJSONObject: object)))
        }
        try await produce(records, topic: topics.input, partitions: 2, broker: broker)
        let serve = try ServeProcess(broker: broker, topics: topics, model: model, extra: [
            "--results-topic", Self.refusedTopic, "--dead-letter-topic", Self.refusedTopic + "dl",
            "--max-inflight-bytes", "2097152", "--output-retry-timeout", "1", "--drain-timeout", "3",
            "--metrics-address", "127.0.0.1:0",
            // A small prefetch, so what librdkafka holds ahead of the service is small too.
            "-X", "queued.max.messages.kbytes=1024", "-X", "fetch.max.bytes=1048576", "-X", "max.partition.fetch.bytes=262144",
        ])
        let port = try await Self.metricsPort(serve)
        // Wait until it is paused with dead letters waiting, then watch it for a while.
        var metrics = ""
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            metrics = (try? httpGet(port: port, path: "/metrics").body) ?? ""
            if metricValue(metrics, "winnow_partitions_paused") == 1, (metricValue(metrics, "winnow_oldest_pending_output_seconds") ?? 0) > 5 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let consumedAtPause = metricValue(metrics, "winnow_records_consumed_total") ?? -1
        try await Task.sleep(for: .seconds(5))
        metrics = try httpGet(port: port, path: "/metrics").body
        let memory = Self.memory(serve.pid)
        #expect(metricValue(metrics, "winnow_partitions_paused") == 1, "\(metrics)")
        #expect((metricValue(metrics, "winnow_oldest_pending_output_seconds") ?? 0) > 5, "the stall shows in the gauge")
        #expect((metricValue(metrics, "winnow_outputs_awaiting_delivery") ?? 0) > 0)
        let consumed = metricValue(metrics, "winnow_records_consumed_total") ?? -1
        #expect(consumed == consumedAtPause, "nothing more is read while paused")
        #expect(consumed > 0 && consumed < Double(groups.count) / 2, "intake stopped at the byte budget: \(consumed) of \(groups.count) read")
        #expect(!metrics.contains("winnow_groups_dead_lettered_total{"), "nothing was delivered")
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(serve.log.suffix(3000))")
        #expect(serve.log.contains("output_rejected") && serve.log.contains("drain timeout"))
        let remaining = try await uncommittedInput(topics, broker: broker)
        #expect(remaining.count == groups.count, "nothing undelivered was committed (\(remaining.count) of \(groups.count) left)")
        print("refused outputs: \(Int(consumed)) of \(groups.count) records read, RSS \(memory.rss / 1024) MiB (peak \(memory.peak / 1024) MiB)")
    }

    @Test("exactly-once with the dead-letter topic refused: the partition with a bad record waits at it, the other partition commits")
    func refusedDeadLetterHoldsOnlyItsPartition() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 2)
        defer { broker.stop() }
        // Round-robin: even indexes go to partition 0, odd ones to partition 1, whose first
        // record is malformed (and its dead letter will be refused).
        let good = ServeIntegrationTests.groups(9, prefix: "held")
        var records: [(key: String, value: [UInt8]?)] = []
        for (index, group) in good.enumerated() {
            records.append((group.id, group.record))
            if index == 0 { records.append(("malformed", Array("{\"group_id\": ".utf8))) }
        }
        try await produce(records, topic: topics.input, partitions: 2, broker: broker)
        let partitionOne = Set(records.enumerated().filter { $0.offset % 2 == 1 }.map(\.element.key))
        let serve = try ServeProcess(broker: broker, topics: topics, model: model, extra: [
            "--exactly-once", "--transaction-interval-ms", "200", "--dead-letter-topic", Self.refusedTopic, "--drain-timeout", "2",
        ])
        // Wait until the block is in place and a transaction went through beside it, and a
        // retry of the block (5 s) more. (The group's committed offsets are read once the service
        // has left: a reader joining the group now would take partitions from it.)
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            let log = serve.log
            if log.contains("a dead letter cannot be produced; its partition waits at it"), log.contains("transaction committed") { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        try await Task.sleep(for: .seconds(6))
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(serve.log.suffix(3000))")
        #expect(serve.log.contains("selections_out=\(good.count - partitionOne.count + 1)"), "partition 0's groups were committed")
        let remaining = Set(try await uncommittedInput(topics, broker: broker).compactMap(\.keyString))
        #expect(remaining == partitionOne, "partition 0 committed, partition 1 held at its refused dead letter; log:\n\(serve.log.suffix(3000))")
    }
}
