import BrokerTestSupport
import Foundation
import WinnowKafka
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The red-team run: hostile records among good ones, with `winnow serve` killed (`kill -9`) and
/// restarted again and again, in both delivery modes. Every `make test` runs a small mix (400
/// bad, 40 good, 2 kills; about a minute a mode on 2 cores); the full one of issue 12 (3,000
/// bad, 300 good, 5 kills, several minutes) when asked for:
///
///     WINNOW_HOSTILE_RUN=1 WINNOW_TEST_DATA=.local swift test -c release -Xswiftc -enable-testing \
///         --filter HostileMixedRunTests
///
/// (`WINNOW_HOSTILE_BAD`, `WINNOW_HOSTILE_GOOD`, `WINNOW_HOSTILE_KILLS` change the mix.)
///
/// What it checks, reading every topic to its high watermark (never until a quiet spell, which
/// a slow fetch can pass for the end): after each kill, every input record below the group's
/// committed offset already has its outcome (a selection or a dead letter) on the output topics;
/// at the end every input record has one, duplicates only where the mode allows them, counted.
/// It prints the run's figures: records, kills, outcomes, duplicates, peak RSS.
@Suite(.serialized)
struct HostileMixedRunTests {
    static let fullRun = ProcessInfo.processInfo.environment["WINNOW_HOSTILE_RUN"] == "1"

    static func setting(_ name: String, full: Int, small: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? (fullRun ? full : small)
    }

    /// Bad record number `i` with key `key`: mostly cheap malformed ones, a few heavy ones.
    static func bad(_ i: Int, key: String) -> [UInt8]? {
        func json(_ text: String) -> [UInt8] { Array(text.utf8) }
        switch i % 100 {
        case 0: return json(#"{"group_id": "\#(key)", "prompt": "hi", "candidates": ["\#(String(repeating: "word ", count: 240_000))"]}"#)
        case 1: return json(#"{"group_id": "\#(key)", "prompt": "2+2?", "candidates": ["4", "5"], "metadata": {"m": "\#(String(repeating: "m", count: 990_000))"}}"#)
        case 2: return json(#"{"group_id": "\#(key)", "prompt": "2+2?", "candidates": [\#((0..<256).map { "\"answer \($0)\"" }.joined(separator: ","))], "policy": {"pairs": {"strategy": "all_pairs"}}}"#)
        case 3: return json(#"{"group_id": "\#(key)", "prompt": "hi", "candidates": ["a"], "metadata": \#(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))}"#)
        case 4..<20: return nil
        case 20..<35: return [0x7b, 0xff, 0xfe, 0xc3, 0x28, UInt8(i % 256), 0x7d]
        case 35..<50: return json(#"{"group_id": "\#(key)", "prompt": "hi", "candidates": ["a"], "metadata": {"x": 1e999}}"#)
        case 50..<65: return json(#"{"group_id": "\#(key)", "prompt": "hi", "candidates": ["a"], "metadata": {"x": NaN}}"#)
        case 65..<80: return json(#"{"group_id": "\#(key)", "prompt": 42, "candidates": ["a"]}"#)
        case 80..<90: return json(#"{"group_id": "\#(key)", "prompt": "hi", "candidates": []}"#)
        default: return json(#"{"group_id": "\#(key)", "#)
        }
    }

    /// The mix: bad records with a good one after every tenth or so.
    static func records(bad badCount: Int, good goodCount: Int) -> [HostileRecordsTests.Record] {
        let good = ServeIntegrationTests.groups(goodCount, prefix: "mix-good")
        var records: [HostileRecordsTests.Record] = []
        var nextGood = 0
        for i in 0..<badCount {
            let key = "mix-bad-\(i)"
            records.append(.init(key: key, value: Self.bad(i, key: key), outcome: .deadLetter([])))
            if nextGood < good.count, i % max(1, badCount / max(1, goodCount)) == 0 {
                records.append(.init(key: good[nextGood].id, value: good[nextGood].record, outcome: .selection))
                nextGood += 1
            }
        }
        for group in good[nextGood...] { records.append(.init(key: group.id, value: group.record, outcome: .selection)) }
        return records
    }

    /// Outcomes on the output topics, read to their ends: per input key, how many (selections
    /// by group id, dead letters by the original key), and any dead letter over the limit.
    static func outcomes(_ topics: ServeTopics, broker: TansuBroker, exactlyOnce: Bool) async throws
        -> (counts: [String: Int], selections: Int, deadLetters: Int, oversized: Int) {
        let readCommitted = exactlyOnce ? ["isolation.level": "read_committed"] : [:]
        let results = try await readToEnd(topics.results, broker: broker, extra: readCommitted)
        let letters = try await readToEnd(topics.deadLetters, broker: broker, extra: readCommitted)
        var counts: [String: Int] = [:]
        for message in results { counts[try jsonObject(message)["group_id"] as? String ?? "?", default: 0] += 1 }
        for message in letters { counts[try jsonObject(message)["key"] as? String ?? "?", default: 0] += 1 }
        let oversized = letters.filter { ($0.value?.count ?? 0) > 1_000_000 }.count
        return (counts, results.count, letters.count, oversized)
    }

    /// Input records below the group's committed offsets that have no outcome: what a commit
    /// made before the outputs it covers were acknowledged would leave behind.
    static func committedWithoutOutcome(_ topics: ServeTopics, broker: TansuBroker, inputs: [String: KafkaMessage],
                                        outcomes: [String: Int]) throws -> [String] {
        let partitions = Set(inputs.values.map(\.topicPartition))
        let committed = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
            .committedOffsets(group: topics.group, partitions: Array(partitions))
        return inputs.filter { key, message in
            message.offset < (committed[message.topicPartition] ?? 0) && (outcomes[key] ?? 0) == 0
        }.map { "\($0.key)@\($0.value.partition):\($0.value.offset)" }.sorted()
    }

    @Test("hostile mix with repeated kill -9: no exit we did not cause; every input gets its outcome, none is committed before it has one",
          arguments: [false, true])
    func hostileMixWithKills(exactlyOnce: Bool) async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let badCount = Self.setting("WINNOW_HOSTILE_BAD", full: 3000, small: 400)
        let goodCount = Self.setting("WINNOW_HOSTILE_GOOD", full: 300, small: 40)
        let kills = Self.setting("WINNOW_HOSTILE_KILLS", full: 5, small: 2)
        let records = Self.records(bad: badCount, good: goodCount)
        try HostileRecordsTests.produceLarge(records, topic: topics.input, partitions: 3, broker: broker)
        // Where each record landed, as the broker has it.
        var inputs: [String: KafkaMessage] = [:]
        for message in try await readToEnd(topics.input, broker: broker) { inputs[message.keyString ?? "?"] = message }
        let inputEnds = try await logEnds(topics.input, broker: broker)
        if inputs.count != records.count {
            Issue.record("every test record is on the input topic once, under its own key: \(try Self.inputReport(records, inputs, topics, broker))")
            return
        }

        let extra = ["--transaction-interval-ms", "300"] + (exactlyOnce ? ["--exactly-once"] : [])
        var statuses: [Int32] = []
        var peakRSS = 0
        var logs: [String] = []
        var progress: [String] = []
        for round in 0..<kills {
            let serve = try ServeProcess(broker: broker, topics: topics, model: model, extra: extra)
            // Kill it mid-stream: a varying moment (0.3 s, 1.5 s, 2.7 s, ...) after its first
            // commit, while records are being scored, published and committed.
            let started = ContinuousClock.now
            var firstCommit: ContinuousClock.Instant?
            while serve.isRunning && ContinuousClock.now < (firstCommit.map { $0 + .milliseconds(300 + 1200 * round) } ?? started + .seconds(90)) {
                peakRSS = max(peakRSS, RefusedOutputTopicTests.memory(serve.pid).peak)
                if firstCommit == nil && serve.log.contains("committed") { firstCommit = .now }
                try await Task.sleep(for: .milliseconds(100))
            }
            serve.signal(SIGKILL)
            statuses.append(await serve.waitForExit(timeout: .seconds(10)) ?? -1)
            logs.append(serve.log)
            // Whatever the killed instance committed must already have its outcomes.
            let seen = try await Self.outcomes(topics, broker: broker, exactlyOnce: exactlyOnce)
            let early = try Self.committedWithoutOutcome(topics, broker: broker, inputs: inputs, outcomes: seen.counts)
            #expect(early.isEmpty, "after kill \(round + 1): committed without an outcome: \(early.prefix(40)) (\(early.count)); logs: \(Self.keep(logs))")
            let committed = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
                .committedOffsets(group: topics.group, partitions: Array(inputEnds.keys)).values.reduce(0, +)
            progress.append("kill \(round + 1) after \((ContinuousClock.now - started).components.seconds) s: \(committed) committed, "
                            + "\(seen.selections + seen.deadLetters) outcomes")
        }
        // The last one runs until every input is committed, then drains.
        let last = try ServeProcess(broker: broker, topics: topics, model: model, extra: extra + ["--metrics-address", "127.0.0.1:0"])
        let port = try await RefusedOutputTopicTests.metricsPort(last)
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline && last.isRunning {
            peakRSS = max(peakRSS, RefusedOutputTopicTests.memory(last.pid).peak)
            let metrics = (try? httpGet(port: port, path: "/metrics").body) ?? ""
            // Done once the group's committed offsets (read without joining the group, which
            // would take partitions from the service) reach the ends of the input as read. Not
            // the broker's ListOffsets (KafkaAdmin.lag): Tansu answers it short of the log end,
            // which once stopped the service before it had read a partition's last 35 records.
            if metricValue(metrics, "winnow_pending_records") == 0,
               (try? hasCommittedEverything(group: topics.group, ends: inputEnds, broker: broker)) == true { break }
            try await Task.sleep(for: .seconds(2))
        }
        last.signal(SIGTERM)
        statuses.append(await last.waitForExit(timeout: .seconds(60)) ?? -1)
        logs.append(last.log)
        #expect(statuses == Array(repeating: 128 + SIGKILL, count: kills) + [0], "exit statuses \(statuses); last log:\n\(last.log.suffix(3000))")

        let seen = try await Self.outcomes(topics, broker: broker, exactlyOnce: exactlyOnce)
        let outcomes = seen.counts
        let missing = records.filter { (outcomes[$0.key] ?? 0) == 0 }.map { key in
            inputs[key.key].map { "\(key.key)@\($0.partition):\($0.offset)" } ?? key.key
        }
        let duplicates = outcomes.values.reduce(0) { $0 + max(0, $1 - 1) }
        #expect(missing.isEmpty, "inputs without an outcome: \(missing.prefix(40)) (\(missing.count)); logs: \(Self.keep(logs))")
        #expect(Set(outcomes.keys).isSubset(of: Set(records.map(\.key))), "outcomes of records never sent")
        #expect(seen.oversized == 0, "dead letters over the producer limit")
        let early = try Self.committedWithoutOutcome(topics, broker: broker, inputs: inputs, outcomes: outcomes)
        #expect(early.isEmpty, "committed without an outcome: \(early.prefix(40))")
        if exactlyOnce {
            withKnownIssue("""
                Tansu 0.6.0 sends an empty aborted-transactions list in every Fetch response, so \
                read_committed consumers also get the records of each killed instance's aborted \
                transaction (see ExactlyOnceTests.killAndRestart); on Kafka they are dropped
                """, isIntermittent: true) {
                #expect(duplicates == 0, "read_committed sees exactly one outcome per input")
            }
        }
        // Each instance answers a record at most once: at-least-once repeats what was published
        // after a killed instance's last commit, exactly-once (on Tansu) what sat in its open
        // transaction.
        #expect(outcomes.values.allSatisfy { $0 <= kills + 1 }, "an input answered more often than there were instances")
        print("""
            hostile mixed run (\(exactlyOnce ? "exactly-once" : "at-least-once")): \(records.count) records \
            (\(goodCount) good, \(badCount) bad), \(kills) kill -9, exit statuses \(statuses), \
            outcomes \(seen.selections) selections + \(seen.deadLetters) dead letters, \(duplicates) duplicates, \
            \(missing.count) missing, peak RSS \(peakRSS / 1024) MiB; \(progress.joined(separator: "; "))
            """)
    }

    /// What the input topic holds against what was produced: per partition, its watermarks and
    /// the offsets read; the records not read, with where round-robin put them.
    static func inputReport(_ records: [HostileRecordsTests.Record], _ inputs: [String: KafkaMessage], _ topics: ServeTopics,
                            _ broker: TansuBroker) throws -> String {
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
        var lines: [String] = []
        for partition in Int32(0)..<3 {
            let marks = try admin.watermarks(topic: topics.input, partition: partition)
            let offsets = inputs.values.filter { $0.partition == partition }.map(\.offset).sorted()
            let gaps = zip(offsets, offsets.dropFirst()).filter { $1 != $0 + 1 }.map { "\($0)->\($1)" }
            lines.append("p\(partition): ListOffsets \(marks), read \(offsets.count) (\(offsets.first ?? -1)...\(offsets.last ?? -1)), gaps \(gaps)")
        }
        let missing = records.enumerated().filter { inputs[$0.element.key] == nil }
            .map { "\($0.element.key)@p\($0.offset % 3):\($0.offset / 3) (\($0.element.value?.count ?? -1) B)" }
        lines.append("not read: \(missing)")
        return lines.joined(separator: "\n")
    }

    /// Writes the instances' logs to a file kept for a failure's investigation; its path.
    static func keep(_ logs: [String]) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-hostile-\(UUID().uuidString.prefix(8)).log")
        let text = logs.enumerated().map { "===== instance \($0.offset + 1)\n\($0.element)" }.joined(separator: "\n")
        try? Data(text.utf8).write(to: url)
        return url.path
    }
}
