import BrokerTestSupport
import Foundation
import WinnowKafka
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Records an operator's red team would send, mixed with good ones, through the real `winnow
/// serve` on a real broker, in both delivery modes: each gets exactly one outcome (a selection
/// or a dead letter with its reason), no output is over the producer's limit, and every
/// partition commits past all of them.
@Suite(.serialized) struct HostileRecordsTests {
    /// What a record must end as: a selection, or a dead letter with one of these reasons.
    enum Outcome: Equatable {
        case selection
        case deadLetter(Set<String>)
    }

    struct Record {
        var key: String
        var value: [UInt8]?
        var outcome: Outcome
    }

    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The hostile records (keys are their group ids where they have one).
    static func hostile() -> [Record] {
        let words = String(repeating: "word ", count: 240_000)  // 1.2 MB
        let hugeMetadata = String(repeating: "m", count: 1_100_000)  // the selection echoes it: over 1 MB
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let manyCandidates = Array(repeating: "\"a\"", count: 120_000).joined(separator: ",")
        let allPairs = (0..<256).map { "\"The answer is \($0).\"" }.joined(separator: ",")
        return [
            Record(key: "big-input", value: json(#"{"group_id": "big-input", "prompt": "hi", "candidates": ["\#(words)"]}"#),
                   outcome: .deadLetter(["too_long"])),
            Record(key: "huge-metadata", value: json(#"{"group_id": "huge-metadata", "prompt": "What is 2 + 2?", "candidates": ["4", "5"], "metadata": {"blob": "\#(hugeMetadata)"}}"#),
                   outcome: .deadLetter(["output_too_large"])),
            Record(key: "all-pairs", value: json(#"{"group_id": "all-pairs", "prompt": "What is 2 + 2?", "candidates": [\#(allPairs)], "policy": {"pairs": {"strategy": "all_pairs"}}}"#),
                   outcome: .selection),
            Record(key: "many-candidates", value: json(#"{"group_id": "many-candidates", "prompt": "hi", "candidates": [\#(manyCandidates)]}"#),
                   outcome: .deadLetter(["too_many_candidates"])),
            Record(key: "tombstone", value: nil, outcome: .deadLetter(["malformed_json"])),
            Record(key: "invalid-utf8", value: [0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d], outcome: .deadLetter(["malformed_json"])),
            Record(key: "deep", value: json(#"{"group_id": "deep", "prompt": "hi", "candidates": ["a"], "metadata": {"x": \#(deep)}}"#),
                   outcome: .deadLetter(["malformed_json"])),
            // The reader takes 1e999 as infinity; JSON has none, so the selection's metadata says null.
            Record(key: "infinity", value: json(#"{"group_id": "infinity", "prompt": "hi", "candidates": ["a", "b"], "metadata": {"x": 1e999}}"#),
                   outcome: .selection),
            Record(key: "nan", value: json(#"{"group_id": "nan", "prompt": "hi", "candidates": ["a"], "metadata": {"x": NaN}}"#),
                   outcome: .deadLetter(["malformed_json"])),
        ]
    }

    /// Produces with a producer limit above the service's, so records over 1 MB reach it.
    static func produceLarge(_ records: [Record], topic: String, partitions: Int32, broker: TansuBroker) throws {
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrapServers, "linger.ms": "5",
                                                         "message.max.bytes": "4000000"])
        final class Failures: Sendable { let list = Mutex<[String]>([]) }
        let failures = Failures()
        for (index, record) in records.enumerated() {
            try producer.produce(KafkaProducerMessage(topic: topic, partition: Int32(index) % partitions,
                                                      key: Array(record.key.utf8), value: record.value)) { result in
                if case .failure(let error) = result { failures.list.withLock { $0.append("\(record.key): \(error)") } }
            }
        }
        try producer.flush(timeout: .seconds(60))
        let failed = failures.list.withLock { $0 }
        guard failed.isEmpty else { throw HarnessError(description: "producing the test records failed: \(failed)") }
    }

    @Test("hostile records among good ones: one outcome each, outputs under the limit, every partition committed",
          arguments: [false, true])
    func hostileRecordsGetOneOutcomeEach(exactlyOnce: Bool) async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.stop() }
        let pairsTopic = uniqueName("pairs")
        try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
            .createTopics([KafkaNewTopic(name: pairsTopic, partitions: 1)], timeout: .seconds(10))
        let good = ServeIntegrationTests.groups(6, prefix: "good").map { Record(key: $0.id, value: $0.record, outcome: .selection) }
        let hostile = Self.hostile()
        var records: [Record] = []
        for i in 0..<max(good.count, hostile.count) {
            if i < hostile.count { records.append(hostile[i]) }
            if i < good.count { records.append(good[i]) }
        }
        try Self.produceLarge(records, topic: topics.input, partitions: 3, broker: broker)

        let readCommitted = exactlyOnce ? ["isolation.level": "read_committed"] : [:]
        let serve = try ServeProcess(broker: broker, topics: topics, model: model,
                                     extra: ["--pairs-topic", pairsTopic, "--max-pairs-per-group", "64",
                                             "--transaction-interval-ms", "200"] + (exactlyOnce ? ["--exactly-once"] : []))
        let selectionCount = records.filter { $0.outcome == .selection }.count
        let results = try await readTopic(topics.results, broker: broker, extra: readCommitted, count: selectionCount,
                                          timeout: .seconds(120), idle: .seconds(120))
        let letters = try await readTopic(topics.deadLetters, broker: broker, extra: readCommitted,
                                          count: records.count - selectionCount, timeout: .seconds(60), idle: .seconds(30))
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(serve.log.suffix(3000))")

        // One outcome per input record: selections by group id, dead letters by original key.
        var outcomes: [String: [Outcome]] = [:]
        for message in results {
            #expect((message.value?.count ?? 0) <= 1_000_000)
            outcomes[try jsonObject(message)["group_id"] as! String, default: []].append(.selection)
        }
        for message in letters {
            #expect((message.value?.count ?? 0) + (message.key?.count ?? 0) <= 1_000_000, "a dead letter over the producer limit")
            let object = try jsonObject(message)
            let key = try #require(object["key"] as? String, "every test key is UTF-8 and short")
            outcomes[key, default: []].append(.deadLetter([object["reason"] as! String]))
        }
        for record in records {
            let seen = outcomes[record.key] ?? []
            #expect(seen.count == 1, "\(record.key): \(seen.count) outcomes; log:\n\(serve.log.suffix(2000))")
            if case .deadLetter(let reasons) = record.outcome, case .deadLetter(let got)? = seen.first {
                #expect(got.isSubset(of: reasons), "\(record.key): dead-lettered as \(got), expected one of \(reasons)")
            } else {
                #expect(seen.first == record.outcome, "\(record.key): \(seen)")
            }
        }
        #expect(Set(outcomes.keys) == Set(records.map(\.key)), "outcomes for records never sent")
        try expectMatchesSchema(jsonLines: ServeIntegrationTests.values(results), "selection")
        try expectMatchesSchema(jsonLines: ServeIntegrationTests.values(letters), "dead-letter")

        let infinity = try results.map(jsonObject).first { $0["group_id"] as? String == "infinity" }
        #expect((infinity?["metadata"] as? [String: Any])?["x"] is NSNull, "1e999 is written as null, never as a bare Infinity")

        // The oversized dead letters carry a prefix, the size and the digest of their record.
        let big = try letters.map(jsonObject).first { $0["key"] as? String == "big-input" }
        #expect(big?["original_truncated"] as? Bool == true)
        #expect(big?["original_size"] as? Int == hostile[0].value?.count)

        // The deployment's cap on pairs wins over the record's all_pairs (32,640 pairs).
        let pairs = try await readTopic(pairsTopic, broker: broker, extra: readCommitted, timeout: .seconds(30), idle: .seconds(3))
        #expect(try pairs.filter { try jsonObject($0)["group_id"] as? String == "all-pairs" }.count == 64)

        // Every partition committed past every record.
        let remaining = try await uncommittedInput(topics, broker: broker)
        #expect(remaining.isEmpty, "left uncommitted: \(remaining.compactMap(\.keyString))")
        print("hostile (\(exactlyOnce ? "exactly-once" : "at-least-once")): \(records.count) records, \(results.count) selections, \(letters.count) dead letters, \(pairs.count) pairs")
    }
}
