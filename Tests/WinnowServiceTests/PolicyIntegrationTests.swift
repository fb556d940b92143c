import BrokerTestSupport
import Foundation
import WinnowKafka
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Selection policies end to end: `winnow serve` with a deployment policy and per-group
/// overrides publishes results, SFT rows and preference pairs, and they are the ones
/// `winnow score --emit` makes offline from the same groups (the same code, no Kafka).
@Suite(.serialized) struct PolicyIntegrationTests {
    static let deploymentPolicy = #"{"rejection": {"top_fraction": 0.5, "min_group_size": 2, "when_none_pass": "best"}, "pairs": {"strategy": "best_vs_rest", "max_pairs": 3}, "rewards": {"length": {"mode": "penalty", "per_token": 0.01}, "baseline": "grpo"}}"#
    /// Every third group takes the best two and no pairs, with RLOO advantages.
    static var groupPolicy: [String: Any] { ["rejection": ["top_k": 2], "pairs": NSNull(), "rewards": ["baseline": "rloo"]] }

    /// Prompt-group records (as JSON text) for `ServeIntegrationTests.groups`, some with their own policy.
    static func records(_ groups: [ServeIntegrationTests.TestGroup]) -> [(key: String, value: String)] {
        groups.enumerated().map { i, group in
            var object: [String: Any] = [
                "group_id": group.id, "prompt": group.prompt,
                "candidates": group.candidates.enumerated().map { ["id": "\(group.id)/c\($0.offset)", "response": $0.element] },
                "metadata": ["test": "policy"],
            ]
            if i % 3 == 2 { object["policy"] = groupPolicy }
            return (group.id, String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
    }

    /// `winnow score` with `arguments` on `lines`: its output lines.
    static func score(_ lines: [String], arguments: [String], model: URL) throws -> [String] {
        let process = Process()
        process.executableURL = winnowExecutable
        process.arguments = ["score", "--model", model.path] + arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(lines.joined(separator: "\n").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError(description: "winnow score \(arguments) failed") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func values(_ messages: [KafkaMessage]) -> [String] { ServeIntegrationTests.values(messages) }

    /// (group, candidate index) of each SFT row.
    static func sftKeys(_ lines: [String]) throws -> [String] {
        try lines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return "\(object["group_id"]!)#\((object["candidate"] as! [String: Any])["index"]!)"
        }.sorted()
    }

    /// (group, chosen, rejected) of each pair row.
    static func pairKeys(_ lines: [String]) throws -> [String] {
        try lines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let chosen = (object["chosen_candidate"] as! [String: Any])["index"]!
            let rejected = (object["rejected_candidate"] as! [String: Any])["index"]!
            return "\(object["group_id"]!)#\(chosen)>\(rejected)"
        }.sorted()
    }

    @Test("SFT rows and preference pairs through the broker equal winnow score --emit's; group overrides apply; an invalid policy is dead-lettered")
    func sftAndPairsTopics() async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let sftTopic = uniqueName("sft"), pairsTopic = uniqueName("pairs")
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
        try admin.createTopics([KafkaNewTopic(name: sftTopic, partitions: 2), KafkaNewTopic(name: pairsTopic, partitions: 2)],
                               timeout: .seconds(10))

        let groups = ServeIntegrationTests.groups(18, prefix: "pol")
        let records = Self.records(groups)
        let invalid = (key: "pol-invalid", value: #"{"group_id": "pol-invalid", "prompt": "1 + 1 =", "candidates": [" 2", " 3"], "policy": {"rejection": {"top_n": 1}}}"#)
        try await produce((records + [invalid]).map { ($0.key, Array($0.value.utf8)) }, topic: topics.input, partitions: 3, broker: broker)

        let serve = try ServeProcess(broker: broker, topics: topics, model: model, extra: [
            "--policy", Self.deploymentPolicy, "--sft-topic", sftTopic, "--pairs-topic", pairsTopic,
            "--metrics-address", "127.0.0.1:0",
        ])
        let results = try await readTopic(topics.results, broker: broker, count: groups.count, timeout: .seconds(60), idle: .seconds(60))
        let letters = try await readTopic(topics.deadLetters, broker: broker, count: 1, timeout: .seconds(20), idle: .seconds(20))
        // Every group's outputs are acknowledged before its offset is committed, and the results
        // are in: the extra topics are complete once the service has drained.
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(serve.log.suffix(3000))")
        let samples = try await readTopic(sftTopic, broker: broker, timeout: .seconds(20), idle: .seconds(2))
        let pairs = try await readTopic(pairsTopic, broker: broker, timeout: .seconds(20), idle: .seconds(2))

        // The same groups offline, through the same code.
        let lines = records.map(\.value)
        let offlineSamples = try Self.score(lines, arguments: ["--policy", Self.deploymentPolicy, "--emit", "sft"], model: model)
        let offlinePairs = try Self.score(lines, arguments: ["--policy", Self.deploymentPolicy, "--emit", "pairs"], model: model)
        let offlineResults = try Self.score(lines, arguments: ["--policy", Self.deploymentPolicy], model: model)

        #expect(results.count == groups.count)
        #expect(try Self.sftKeys(Self.values(samples)) == Self.sftKeys(offlineSamples))
        #expect(try Self.pairKeys(Self.values(pairs)) == Self.pairKeys(offlinePairs))
        #expect(!samples.isEmpty && !pairs.isEmpty)
        for message in samples + pairs { #expect(message.keyString != nil && message.keyString!.hasPrefix("pol-"), "keyed by group id") }

        // What the results record decided, group by group, against the offline decision.
        let offline = Dictionary(uniqueKeysWithValues: try offlineResults.map { line -> (String, [String: Any]) in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return (object["id"] as! String, object)
        })
        for message in results {
            let object = try jsonObject(message)
            let id = object["group_id"] as! String
            let index = Int(id.split(separator: "-").last!)!
            let want = try #require(offline[id])
            let policy = try #require(object["policy"] as? [String: Any])
            let rejection = try #require(object["rejection"] as? [String: Any])
            #expect(rejection["accepted"] as? [Int] == (want["rejection"] as? [String: Any])?["accepted"] as? [Int], "\(id)")
            #expect(rejection["outcome"] as? String == (want["rejection"] as? [String: Any])?["outcome"] as? String)
            let rewards = try #require(object["rewards"] as? [String: Any])
            #expect((rewards["advantages"] as? [Double])?.count == (object["ranking"] as! [Any]).count)
            if index % 3 == 2 {
                #expect(policy["pairs"] == nil && object["pairs"] == nil, "the group turned pairs off: \(id)")
                #expect((policy["rewards"] as? [String: Any])?["baseline"] as? String == "rloo")
                #expect((rejection["accepted"] as? [Int])?.count == min(2, (object["ranking"] as! [Any]).count))
            } else {
                #expect((policy["rejection"] as? [String: Any])?["top_fraction"] as? Double == 0.5)
                #expect(object["pairs"] is [Any])
            }
        }

        #expect(letters.count == 1)
        let letter = try jsonObject(try #require(letters.first))
        #expect(letter["reason"] as? String == "invalid_policy")
        #expect((letter["message"] as? String)?.contains("policy.rejection.top_n: unknown field") == true, "\(letter)")

        // Every record on every topic matches its schema (Python jsonschema, 2020-12).
        try expectMatchesSchema(jsonLines: Self.values(results), "selection")
        try expectMatchesSchema(jsonLines: Self.values(samples), "sft-sample")
        try expectMatchesSchema(jsonLines: Self.values(pairs), "preference-pair")
        try expectMatchesSchema(jsonLines: Self.values(letters), "dead-letter")
        try expectMatchesSchema(jsonLines: offlineSamples, "sft-sample")
        try expectMatchesSchema(jsonLines: offlinePairs, "preference-pair")
        #expect(serve.log.contains("selections_out=\(groups.count)") && serve.log.contains("dead_lettered=1"))
        print("policies: \(results.count) results, \(samples.count) SFT rows, \(pairs.count) pairs through the broker")
    }
}
