import BrokerTestSupport
import Foundation
import WinnowKafka
import Testing
#if canImport(Glibc)
import Glibc
#endif

#if WINNOW_HOSTILE_RUN
/// The red-team run: thousands of hostile records among a few hundred good ones, with `winnow
/// serve` killed (`kill -9`) and restarted again and again. Several minutes, and not yet steady
/// enough for every CI run (one run of a small mix on 2026-11-30 found 35 inputs of one partition
/// without an outcome under at-least-once, the next run none: under investigation, issue 12), so
/// it is compiled only when asked for, never counted as a skipped test:
///
///     WINNOW_TEST_DATA=.local swift test -c release -Xswiftc -enable-testing \
///         -Xswiftc -DWINNOW_HOSTILE_RUN --filter HostileMixedRunTests
///
/// WINNOW_HOSTILE_RUN=1 selects the full mix (3,000 bad, 300 good, 5 kills; else 400/40/2);
/// `WINNOW_HOSTILE_BAD`, `WINNOW_HOSTILE_GOOD`, `WINNOW_HOSTILE_KILLS` change it. It prints the
/// run's figures: records, kills, outcomes, duplicates, peak RSS.
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

    @Test("hostile mix with repeated kill -9: no exit we did not cause; every input gets its outcome", arguments: [false, true])
    func hostileMixWithKills(exactlyOnce: Bool) async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let badCount = Self.setting("WINNOW_HOSTILE_BAD", full: 3000, small: 400)
        let goodCount = Self.setting("WINNOW_HOSTILE_GOOD", full: 300, small: 40)
        let kills = Self.setting("WINNOW_HOSTILE_KILLS", full: 5, small: 2)
        let good = ServeIntegrationTests.groups(goodCount, prefix: "mix-good")
        var records: [HostileRecordsTests.Record] = []
        var nextGood = 0
        for i in 0..<badCount {
            let key = "mix-bad-\(i)"
            records.append(.init(key: key, value: Self.bad(i, key: key), outcome: .deadLetter([])))
            if nextGood < good.count, i % max(1, badCount / goodCount) == 0 {
                records.append(.init(key: good[nextGood].id, value: good[nextGood].record, outcome: .selection))
                nextGood += 1
            }
        }
        for group in good[nextGood...] { records.append(.init(key: group.id, value: group.record, outcome: .selection)) }
        try HostileRecordsTests.produceLarge(records, topic: topics.input, partitions: 3, broker: broker)

        let extra = ["--transaction-interval-ms", "300"] + (exactlyOnce ? ["--exactly-once"] : [])
        var statuses: [Int32] = []
        var peakRSS = 0
        for round in 0..<kills {
            let serve = try ServeProcess(broker: broker, topics: topics, model: model, extra: extra)
            // Let it work a varying while: through a join, some commits, mid-batch.
            let until = ContinuousClock.now + .seconds(8 + (round * 5) % 9)
            while ContinuousClock.now < until && serve.isRunning {
                peakRSS = max(peakRSS, RefusedOutputTopicTests.memory(serve.pid).peak)
                try await Task.sleep(for: .milliseconds(250))
            }
            serve.signal(SIGKILL)
            statuses.append(await serve.waitForExit(timeout: .seconds(10)) ?? -1)
        }
        // The last one runs until every input is committed, then drains.
        let last = try ServeProcess(broker: broker, topics: topics, model: model, extra: extra + ["--metrics-address", "127.0.0.1:0"])
        let port = try await RefusedOutputTopicTests.metricsPort(last)
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline && last.isRunning {
            peakRSS = max(peakRSS, RefusedOutputTopicTests.memory(last.pid).peak)
            let metrics = (try? httpGet(port: port, path: "/metrics").body) ?? ""
            // The group's committed offsets, read without joining the group (a reader joining
            // it would take partitions from the service).
            let lag = (try? KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
                .lag(group: topics.group, topic: topics.input)) ?? []
            if metricValue(metrics, "winnow_pending_records") == 0, !lag.isEmpty,
               lag.allSatisfy({ $0.committed != nil && $0.lag == 0 }) { break }
            try await Task.sleep(for: .seconds(2))
        }
        last.signal(SIGTERM)
        statuses.append(await last.waitForExit(timeout: .seconds(60)) ?? -1)
        #expect(statuses == Array(repeating: 128 + SIGKILL, count: kills) + [0], "exit statuses \(statuses); last log:\n\(last.log.suffix(3000))")

        let readCommitted = exactlyOnce ? ["isolation.level": "read_committed"] : [:]
        let results = try await readTopic(topics.results, broker: broker, extra: readCommitted, timeout: .seconds(120), idle: .seconds(5))
        let letters = try await readTopic(topics.deadLetters, broker: broker, extra: readCommitted, timeout: .seconds(120), idle: .seconds(5))
        var outcomes: [String: Int] = [:]
        for message in results { outcomes[try jsonObject(message)["group_id"] as! String, default: 0] += 1 }
        for message in letters {
            let object = try jsonObject(message)
            outcomes[object["key"] as? String ?? "?", default: 0] += 1
            #expect((message.value?.count ?? 0) <= 1_000_000)
        }
        let missing = records.filter { (outcomes[$0.key] ?? 0) == 0 }.map(\.key)
        let duplicates = outcomes.values.reduce(0) { $0 + max(0, $1 - 1) }
        #expect(missing.isEmpty, "inputs without an outcome: \(missing.prefix(20))")
        #expect(Set(outcomes.keys).isSubset(of: Set(records.map(\.key))), "outcomes of records never sent")
        if exactlyOnce {
            withKnownIssue("""
                Tansu 0.6.0 sends an empty aborted-transactions list in every Fetch response, so \
                read_committed consumers also get the records of each killed instance's aborted \
                transaction (see ExactlyOnceTests.killAndRestart); on Kafka they are dropped
                """, isIntermittent: true) {
                #expect(duplicates == 0, "read_committed sees exactly one outcome per input")
            }
            // At most what each killed instance had in its open transaction can show twice.
            #expect(outcomes.values.allSatisfy { $0 <= kills + 1 })
        }
        print("""
            hostile mixed run (\(exactlyOnce ? "exactly-once" : "at-least-once")): \(records.count) records \
            (\(good.count) good, \(badCount) bad), \(kills) kill -9, exit statuses \(statuses), \
            outcomes \(results.count) selections + \(letters.count) dead letters, \(duplicates) duplicates, \
            \(missing.count) missing, peak RSS \(peakRSS / 1024) MiB
            """)
    }
}
#endif
