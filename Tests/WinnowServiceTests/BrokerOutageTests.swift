import BrokerTestSupport
import Foundation
import Testing
import WinnowKafka
#if canImport(Glibc)
import Glibc
#endif

/// A broker that goes silent mid-stream (SIGSTOP: connections stay open, nothing answers), as a
/// hung broker or a network partition looks to the client. Its own suite, not serialised with
/// the other service tests: each case has its own broker and most of its time is waiting.
struct BrokerOutageTests {
    @Test("a broker that stops answering mid-stream for longer than the session timeout: the service rides it out, every group gets its result",
          arguments: [false, true])
    func frozenBrokerMidStream(exactlyOnce: Bool) async throws {
        let (model, broker, topics) = try serviceUnderTest(inputPartitions: 3)
        defer { broker.thaw(); broker.stop() }
        let groups = ServeIntegrationTests.groups(60, prefix: exactlyOnce ? "fx" : "fa")
        try await produce(groups.map { ($0.id, $0.record) }, topic: topics.input, partitions: 3, broker: broker)
        let serve = try ServeProcess(broker: broker, topics: topics, model: model,
                                     extra: ["--max-inflight-tokens", "300"] + (exactlyOnce ? ["--exactly-once", "--transaction-interval-ms", "200"] : []))
        let deadline = ContinuousClock.now + .seconds(60)
        while serve.log.components(separatedBy: "scored batch").count < 4 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Frozen for twice the session timeout (6 s): the group coordinator, the fetches, the
        // produce acknowledgements and (exactly-once) the transaction all go unanswered.
        broker.freeze()
        let frozenAt = ContinuousClock.now
        let batchesBefore = serve.log.components(separatedBy: "scored batch").count - 1
        try await Task.sleep(for: .seconds(12))
        #expect(serve.isRunning, "the service outlived the broker's silence; log:\n\(serve.log.suffix(3000))")
        broker.thaw()
        let readCommitted = exactlyOnce ? ["isolation.level": "read_committed"] : [:]
        var results: [KafkaMessage] = []
        var ids: Set<String> = []
        let until = ContinuousClock.now + .seconds(120)
        while ids.count < groups.count && ContinuousClock.now < until {
            results = try await readTopic(topics.results, broker: broker, extra: readCommitted, count: groups.count, timeout: .seconds(30))
            ids = Set(try results.map { try jsonObject($0)["group_id"] as! String })
        }
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(serve.log.suffix(3000))")
        #expect(ids == Set(groups.map(\.id)), "every group has a result; log:\n\(serve.log.suffix(3000))")
        if exactlyOnce { #expect(results.count == ids.count, "read_committed sees each result once") }
        #expect(try await uncommittedInput(topics, broker: broker).isEmpty, "every input offset was committed")
        print("frozen broker (\(exactlyOnce ? "exactly-once" : "at-least-once")): \(results.count) selections for \(groups.count) groups after 12 s of silence (\(batchesBefore) batches scored before it, all within \((ContinuousClock.now - frozenAt).components.seconds) s of it)")
        let byID = Dictionary(uniqueKeysWithValues: groups.map { ($0.id, $0) })
        let expected = try ServeIntegrationTests.expectedSelections(groups, model: model)
        for message in results { try ServeIntegrationTests.check(message, expected: expected, groups: byID) }
    }
}
