import BrokerTestSupport
import Foundation
import WinnowKafka
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `winnow serve` as a user runs it: the built binary, a real Tansu broker, the demo model.
/// Expected selections come from `winnow score` on the same groups in its group-line form.
@Suite(.serialized) struct ServeIntegrationTests {
    /// A prompt group as the test makes it: the record value and the `winnow score` line.
    struct TestGroup {
        var id: String
        var prompt: [[String: String]]
        var candidates: [String]

        var record: [UInt8] {
            let object: [String: Any] = [
                "group_id": id,
                "prompt": prompt,
                "candidates": candidates.enumerated().map { ["id": "\(id)/c\($0.offset)", "response": $0.element] },
                "metadata": ["test": "serve", "group": id],
            ]
            return Array(try! JSONSerialization.data(withJSONObject: object))
        }

        var scoreLine: String {
            String(decoding: try! JSONSerialization.data(withJSONObject: ["id": id, "prompt": prompt, "candidates": candidates]), as: UTF8.self)
        }
    }

    /// Arithmetic questions with right and wrong answers, 1 to 6 candidates each (mixed sizes).
    static func groups(_ count: Int, prefix: String) -> [TestGroup] {
        (0..<count).map { i in
            let a = 3 + (i * 7) % 40, b = 5 + (i * 11) % 50
            let size = 1 + (i * 5) % 6
            let answers = (0..<size).map { k -> String in
                let value = a + b + [0, 1, -1, 10, -10, 2][k]
                return k % 2 == 0 ? "\(a) + \(b) = \(value)." : "The answer is \(value)."
            }
            return TestGroup(id: "\(prefix)-\(i)", prompt: [["role": "user", "content": "What is \(a) + \(b)?"]], candidates: answers)
        }
    }

    struct Expected { var scores: [Double]; var argmax: Int }

    /// Record values as text, for the schema validator.
    static func values(_ messages: [KafkaMessage]) -> [String] { messages.map { String(decoding: $0.value ?? [], as: UTF8.self) } }

    /// The demo model's own best-of-N references (expected.json, made by transformers in
    /// scripts/make-demo-model.py): groups and their float32 eager scores.
    static func referenceGroups(model: URL) throws -> (groups: [TestGroup], expected: [String: Expected]) {
        struct File: Decodable {
            struct Group: Decodable { var prompt: [[String: String]]; var candidates: [String]; var scores: [Double]; var argmax: Int }
            var groups: [Group]
        }
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: model.appendingPathComponent("expected.json")))
        var groups: [TestGroup] = [], expected: [String: Expected] = [:]
        for (i, group) in file.groups.enumerated() {
            let id = "transformers-\(i)"
            groups.append(TestGroup(id: id, prompt: group.prompt, candidates: group.candidates))
            expected[id] = Expected(scores: group.scores, argmax: group.argmax)
        }
        return (groups, expected)
    }

    /// `winnow score` on the groups' score lines.
    static func expectedSelections(_ groups: [TestGroup], model: URL) throws -> [String: Expected] {
        let process = Process()
        process.executableURL = winnowExecutable
        process.arguments = ["score", "--model", model.path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(groups.map(\.scoreLine).joined(separator: "\n").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError(description: "winnow score failed") }
        var expected: [String: Expected] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            let object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            expected[object["id"] as! String] = Expected(scores: object["scores"] as! [Double], argmax: object["argmax"] as! Int)
        }
        return expected
    }

    /// Checks one selection record against `winnow score`'s answer for its group.
    static func check(_ message: KafkaMessage, expected: [String: Expected], groups: [String: TestGroup],
                      tolerance: Double = 1e-4) throws {
        let object = try jsonObject(message)
        let id = try #require(object["group_id"] as? String)
        #expect(message.keyString == id, "results are keyed by group id")
        let want = try #require(expected[id], "unexpected group \(id)")
        let ranking = object["ranking"] as! [[String: Any]]
        #expect(ranking.count == want.scores.count)
        let argmax = object["argmax"] as! [String: Any]
        #expect(argmax["index"] as? Int == want.argmax, "argmax of \(id)")
        #expect(argmax["id"] as? String == "\(id)/c\(want.argmax)")
        for entry in ranking {
            let index = entry["index"] as! Int
            let score = entry["score"] as! Double
            // Batching differs from `winnow score`'s; scores agree to float32 rounding.
            #expect(abs(score - want.scores[index]) <= tolerance * max(1, abs(want.scores[index])), "score of \(id)[\(index)]: \(score) vs \(want.scores[index])")
        }
        let scores = ranking.map { $0["score"] as! Double }
        #expect(scores == scores.sorted(by: >), "ranking is best first")
        #expect((object["num_tokens"] as! [Int]).count == want.scores.count)
        #expect((object["metadata"] as? [String: String]) == ["test": "serve", "group": id])
        let source = object["source"] as! [String: Any]
        #expect(source["topic"] as? String != nil && source["offset"] as? Int != nil)
        _ = groups
    }

    @Test("G groups over 3 partitions in, exactly G selections out with winnow score's argmax; SIGTERM exits 0")
    func groupsInSelectionsOut() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        // Generated groups checked against `winnow score`, and the demo model's reference groups
        // checked against transformers as well.
        let references = try Self.referenceGroups(model: model)
        let groups = Self.groups(24, prefix: "g") + references.groups
        let expected = try Self.expectedSelections(groups, model: model)
        #expect(!references.groups.isEmpty)
        for (id, reference) in references.expected {
            let ours = try #require(expected[id])
            #expect(ours.argmax == reference.argmax, "winnow score and transformers agree on \(id)")
        }
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 3, broker: broker)

        // A small in-flight budget: the consumer pauses and resumes its partitions many times.
        let serve = try ServeProcess(broker: broker, topics: topics, model: model,
                                     extra: ["--max-inflight-tokens", "200", "--metrics-address", "127.0.0.1:0"])
        let results = try await readTopic(topics.results, broker: broker, count: groups.count, timeout: .seconds(60), idle: .seconds(60))

        // The HTTP endpoints while it runs; counters reach G once the last acknowledgement is in.
        let port = try #require(serve.log.components(separatedBy: "address=127.0.0.1:").dropFirst().first
            .flatMap { UInt16($0.prefix { $0.isNumber }) }, "metrics port in the log")
        #expect(try httpGet(port: port, path: "/healthz").status == 200)
        #expect(try httpGet(port: port, path: "/readyz").status == 200)
        #expect(try httpGet(port: port, path: "/nope").status == 404)
        var metrics = ""
        for _ in 0..<40 {
            metrics = try httpGet(port: port, path: "/metrics").body
            if metricValue(metrics, "winnow_groups_scored_total") == Double(groups.count) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(metricValue(metrics, "winnow_groups_scored_total") == Double(groups.count), "\(metrics)")
        #expect(metricValue(metrics, "winnow_records_consumed_total") == Double(groups.count))
        #expect(metricValue(metrics, "winnow_candidates_scored_total") == Double(groups.reduce(0) { $0 + $1.candidates.count }))
        #expect((metricValue(metrics, "winnow_tokens_scored_total") ?? 0) > 0)
        #expect(metricValue(metrics, "winnow_batch_groups_count") == metricValue(metrics, "winnow_forward_seconds_count"))
        #expect(metrics.contains("# TYPE winnow_forward_seconds histogram"))
        serve.signal(SIGTERM)
        let status = await serve.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "winnow serve exit status; log:\n\(serve.log.suffix(3000))")

        #expect(results.count == groups.count, "one selection per group; log:\n\(serve.log.suffix(3000))")
        #expect(serve.log.contains("pausing partitions") && serve.log.contains("resuming partitions"), "back-pressure engaged")
        let ids = try results.map { try jsonObject($0)["group_id"] as? String ?? "" }
        #expect(Set(ids) == Set(groups.map(\.id)))
        let byID = Dictionary(uniqueKeysWithValues: groups.map { ($0.id, $0) })
        for message in results { try Self.check(message, expected: expected, groups: byID) }
        try expectMatchesSchema(jsonLines: Self.values(results), "selection")
        for message in results where message.keyString?.hasPrefix("transformers-") == true {
            try Self.check(message, expected: references.expected, groups: byID, tolerance: 1e-3)
        }
        // Every input partition was read.
        let partitions = Set(try results.map { (try jsonObject($0)["source"] as! [String: Any])["partition"] as! Int })
        #expect(partitions == [0, 1, 2])
        let deadLetters = try await readTopic(topics.deadLetters, broker: broker, timeout: .seconds(15), idle: .seconds(1))
        #expect(deadLetters.isEmpty)
    }

    @Test("poison records are dead-lettered with their reasons; every good group is scored")
    func poisonRecords() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let good = Self.groups(9, prefix: "ok")
        let expected = try Self.expectedSelections(good, model: model)
        let long = String(repeating: "a very long answer ", count: 2000)
        let poison: [(key: String, value: [UInt8]?, reason: String)] = [
            ("p-json", Array("{\"group_id\": \"p-json\", ".utf8), "malformed_json"),
            ("p-tombstone", nil, "malformed_json"),
            ("p-binary", [0xc3, 0x28, 0xff], "malformed_json"),
            ("p-schema", Array(#"{"group_id": "p-schema", "prompt": 42, "candidates": ["x"]}"#.utf8), "schema_violation"),
            ("p-none", Array(#"{"group_id": "p-none", "prompt": "hi", "candidates": []}"#.utf8), "no_candidates"),
            ("p-many", Array(#"{"group_id": "p-many", "prompt": "hi", "candidates": ["a","b","c","d","e","f","g","h","i"]}"#.utf8), "too_many_candidates"),
            ("p-role", Array(#"{"group_id": "p-role", "prompt": [{"role": "robot", "content": "hi"}], "candidates": ["a"]}"#.utf8), "unknown_role"),
            ("p-long", Array(#"{"group_id": "p-long", "prompt": [{"role": "user", "content": "hi"}], "candidates": ["fine", "\#(long)"]}"#.utf8), "too_long"),
            ("p-empty", Array(#"{"group_id": "p-empty", "prompt": "", "candidates": [""]}"#.utf8), "tokenizer_error"),
        ]
        // Interleave: good, poison, good, poison, ...
        var records: [(key: String, value: [UInt8]?)] = []
        for i in 0..<max(good.count, poison.count) {
            if i < good.count { records.append((good[i].id, good[i].record)) }
            if i < poison.count { records.append((poison[i].key, poison[i].value)) }
        }
        try await produce(records, topic: topics.input, partitions: 3, broker: broker)

        let serve = try ServeProcess(broker: broker, topics: topics, model: model,
                                     extra: ["--max-candidates", "8", "--max-length", "512"])
        let results = try await readTopic(topics.results, broker: broker, count: good.count, timeout: .seconds(60), idle: .seconds(60))
        let letters = try await readTopic(topics.deadLetters, broker: broker, count: poison.count, timeout: .seconds(20), idle: .seconds(20))
        serve.signal(SIGTERM)
        let status = await serve.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "log:\n\(serve.log.suffix(3000))")

        #expect(results.count == good.count)
        let byID = Dictionary(uniqueKeysWithValues: good.map { ($0.id, $0) })
        for message in results { try Self.check(message, expected: expected, groups: byID) }

        #expect(letters.count == poison.count, "log:\n\(serve.log.suffix(3000))")
        try expectMatchesSchema(jsonLines: Self.values(results), "selection")
        try expectMatchesSchema(jsonLines: Self.values(letters), "dead-letter")
        var seen: [String: String] = [:]
        for message in letters {
            let object = try jsonObject(message)
            let key = try #require(object["key"] as? String)
            #expect(message.keyString == key, "dead letters keep the original key")
            seen[key] = object["reason"] as? String
            let sent = try #require(poison.first { $0.key == key })
            // The original bytes come back unchanged.
            let original = (object["original"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
            #expect(original == sent.value, "original bytes of \(key)")
            #expect((object["message"] as? String)?.isEmpty == false)
        }
        #expect(seen == Dictionary(uniqueKeysWithValues: poison.map { ($0.key, $0.reason) }))
        #expect(serve.log.contains("dead_lettered=\(poison.count)") && serve.log.contains("selections_out=\(good.count)"),
                "the exit summary counts them")
    }

    @Test("SIGTERM mid-stream drains in-flight groups, commits and exits 0; the group's next member reads only what had no result")
    func sigtermDrainsAndCommits() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let groups = Self.groups(60, prefix: "d")
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 3, broker: broker)

        // A small in-flight budget, so part of the input is still unread when the signal comes.
        let serve = try ServeProcess(broker: broker, topics: topics, model: model, extra: ["--max-inflight-tokens", "300"])
        // Signal as soon as the first batch is scored (the log says so at debug level).
        let deadline = ContinuousClock.now + .seconds(60)
        while !serve.log.contains("scored batch") && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(serve.log.contains("scored batch"), "nothing scored before the signal; log:\n\(serve.log.suffix(3000))")
        serve.signal(SIGTERM)
        let status = await serve.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "log:\n\(serve.log.suffix(3000))")
        #expect(serve.log.contains("draining"))

        let results = try await readTopic(topics.results, broker: broker, count: groups.count, timeout: .seconds(30))
        let scored = try results.map { try jsonObject($0)["group_id"] as! String }
        #expect(Set(scored).count == scored.count, "no duplicates after a clean shutdown")

        // A new member of the same group starts from the committed offsets: it must see exactly
        // the groups without a result (nothing scored is read again, nothing unscored is skipped).
        let remaining = try await uncommittedInput(topics, broker: broker)
        let unread = Set(remaining.compactMap(\.keyString))
        #expect(unread.isDisjoint(with: scored), "records with a result were not committed")
        #expect(unread.union(scored) == Set(groups.map(\.id)), "records neither scored nor left for the group")
        #expect(scored.count < groups.count || unread.isEmpty)
        print("drain: \(scored.count) of \(groups.count) groups scored before exit, \(unread.count) left for the next member")
    }

    @Test("a drain out of time (--drain-timeout) leaves the unfinished groups uncommitted for the next member, exit 0")
    func drainTimeoutLeavesTheRest() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 2)
        defer { broker.stop() }
        // Long answers (about 1,000 tokens each), so scoring outlasts the signal.
        let groups = Self.groups(80, prefix: "t").map { group in
            var long = group
            long.candidates = group.candidates.map { String(repeating: "Let me check that again. ", count: 200) + $0 }
            return long
        }
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 2, broker: broker)

        // A large in-flight budget queues many groups; no time at all to drain them.
        let serve = try ServeProcess(broker: broker, topics: topics, model: model,
                                     extra: ["--max-inflight-tokens", "100000", "--drain-timeout", "0"])
        let deadline = ContinuousClock.now + .seconds(60)
        while !serve.log.contains("scored batch") && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(serve.log.suffix(3000))")
        #expect(serve.log.contains("drain timeout: leaving unfinished groups uncommitted"), "log:\n\(serve.log.suffix(3000))")

        let results = try await readTopic(topics.results, broker: broker, count: groups.count, timeout: .seconds(20))
        let scored = Set(try results.map { try jsonObject($0)["group_id"] as! String })
        let remaining = try await uncommittedInput(topics, broker: broker)
        let unread = Set(remaining.compactMap(\.keyString))
        #expect(!unread.isEmpty, "the drain was cut short")
        #expect(unread.union(scored) == Set(groups.map(\.id)), "nothing lost: what has no result is left for the next member")
        print("drain timeout: \(scored.count) of \(groups.count) groups published, \(unread.count) left uncommitted")
    }

    @Test("a broker that is not up yet is retried with backoff and clear logs, then used")
    func unreachableBrokerAtStart() async throws {
        let model = try demoModelDirectory()
        let port = try TansuBroker.unusedPort()
        let topics = ServeTopics()
        let serve = try ServeProcess(brokers: "127.0.0.1:\(port)", topics: topics, model: model)
        let deadline = ContinuousClock.now + .seconds(30)
        while !serve.log.contains("attempt=2") && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(serve.log.contains("broker unreachable; retrying"), "log:\n\(serve.log.suffix(3000))")
        #expect(serve.log.contains("attempt=2"), "retries are numbered")

        let broker = try TansuBroker(port: port)
        defer { broker.stop() }
        try topics.create(on: broker, inputPartitions: 1)
        let groups = Self.groups(3, prefix: "late")
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 1, broker: broker)
        let results = try await readTopic(topics.results, broker: broker, count: groups.count, timeout: .seconds(60), idle: .seconds(60))
        serve.signal(SIGINT)
        let status = await serve.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "SIGINT drains like SIGTERM; log:\n\(serve.log.suffix(3000))")
        #expect(Set(try results.map { try jsonObject($0)["group_id"] as? String ?? "" }) == Set(groups.map(\.id)))
        #expect(serve.log.contains("broker reachable"))
    }

    @Test("kill -9 mid-stream, then a restart: every group gets a result (duplicates counted, at-least-once)")
    func killAndRestart() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let groups = Self.groups(60, prefix: "k")
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 3, broker: broker)

        let first = try ServeProcess(broker: broker, topics: topics, model: model, extra: ["--max-inflight-tokens", "300"])
        let deadline = ContinuousClock.now + .seconds(60)
        // Let it commit at least once (every 500 ms) before it dies.
        while first.log.components(separatedBy: "scored batch").count < 6 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        first.signal(SIGKILL)
        #expect(await first.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)

        let second = try ServeProcess(broker: broker, topics: topics, model: model)
        var results: [KafkaMessage] = []
        var ids: Set<String> = []
        let until = ContinuousClock.now + .seconds(90)
        while ids.count < groups.count && ContinuousClock.now < until {
            results = try await readTopic(topics.results, broker: broker, count: groups.count, timeout: .seconds(30))
            ids = Set(try results.map { try jsonObject($0)["group_id"] as! String })
        }
        second.signal(SIGTERM)
        #expect(await second.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(second.log.suffix(3000))")
        #expect(ids == Set(groups.map(\.id)), "every group has a result; second log:\n\(second.log.suffix(3000))")
        let duplicates = results.count - ids.count
        // Only groups whose results were published after the last commit can repeat.
        #expect(duplicates < groups.count)
        print("kill -9: \(results.count) selections for \(groups.count) groups (\(duplicates) duplicates, allowed at-least-once)")
        let byID = Dictionary(uniqueKeysWithValues: groups.map { ($0.id, $0) })
        let expected = try Self.expectedSelections(groups, model: model)
        for message in results { try Self.check(message, expected: expected, groups: byID) }
    }

    @Test("two instances in one group share the partitions; stopping one hands its partitions to the other, no group lost")
    func twoInstancesHandOver() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let a = try ServeProcess(broker: broker, topics: topics, model: model)
        let b = try ServeProcess(broker: broker, topics: topics, model: model)
        func owns(_ serve: ServeProcess) -> Bool { serve.log.contains("partitions assigned") && serve.log.contains("partitions=[\"") }
        let deadline = ContinuousClock.now + .seconds(60)
        while !(owns(a) && owns(b)) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(owns(a) && owns(b), "both members own partitions; logs:\n\(a.log.suffix(1500))\n---\n\(b.log.suffix(1500))")

        let first = Self.groups(30, prefix: "h1"), second = Self.groups(30, prefix: "h2")
        try await produce(first.map { ($0.id, $0.record) }, topic: topics.input, partitions: 3, broker: broker)
        a.signal(SIGTERM)
        #expect(await a.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(a.log.suffix(3000))")
        try await produce(second.map { ($0.id, $0.record) }, topic: topics.input, partitions: 3, broker: broker)

        let groups = first + second
        var results: [KafkaMessage] = []
        var ids: Set<String> = []
        let until = ContinuousClock.now + .seconds(90)
        while ids.count < groups.count && ContinuousClock.now < until {
            results = try await readTopic(topics.results, broker: broker, count: groups.count, timeout: .seconds(30))
            ids = Set(try results.map { try jsonObject($0)["group_id"] as! String })
        }
        b.signal(SIGTERM)
        #expect(await b.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(b.log.suffix(3000))")
        #expect(ids == Set(groups.map(\.id)), "no group lost; log of b:\n\(b.log.suffix(3000))")
        #expect(results.count == ids.count, "a clean hand-over repeats nothing")
        // b owned all three partitions after a left: the second wave went to every partition.
        let secondPartitions = Set(try results.filter { $0.keyString?.hasPrefix("h2-") == true }
            .map { (try jsonObject($0)["source"] as! [String: Any])["partition"] as! Int })
        #expect(secondPartitions == [0, 1, 2])
        print("hand-over: \(results.count) selections for \(groups.count) groups")
    }
}
