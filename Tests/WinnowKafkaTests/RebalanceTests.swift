import BrokerTestSupport
import WinnowKafka
import Testing

@Suite("Rebalances under both protocols")
struct RebalanceTests {
    @Test("a second member takes over part of the partitions", arguments: ["range", "cooperative-sticky"])
    func secondMemberJoins(strategy: String) async throws {
        let broker = try TansuBroker()
        defer { broker.stop() }
        let topic = uniqueName("rebalance")
        let group = uniqueName("group")
        try createTopic(broker, topic, partitions: 3)
        let all = (0..<3).map { KafkaTopicPartition(topic: topic, partition: $0) }
        let expectedProtocol: KafkaRebalanceProtocol = strategy == "range" ? .eager : .cooperative
        let extra = ["partition.assignment.strategy": strategy]

        let firstEvents = EventLog()
        let first = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group, extra: extra),
                                      onRebalance: { firstEvents.append($0) })
        try first.subscribe(topics: [topic])
        try await waitForAssignment(first, partitions: 3)
        #expect(first.rebalanceProtocol == expectedProtocol)

        let secondEvents = EventLog()
        let second = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group, extra: extra),
                                       onRebalance: { secondEvents.append($0) })
        try second.subscribe(topics: [topic])
        // Both members must keep polling for the group to rebalance.
        let split = try await blocking { () -> Bool in
            let deadline = ContinuousClock.now + .seconds(40)
            while ContinuousClock.now < deadline {
                _ = try? first.poll(timeout: .milliseconds(50))
                _ = try? second.poll(timeout: .milliseconds(50))
                let (a, b) = (try first.assignment(), try second.assignment())
                if !a.isEmpty, !b.isEmpty, Set(a).union(b) == Set(all), Set(a).isDisjoint(with: b) { return true }
            }
            return false
        }
        let (firstOwns, secondOwns) = (try first.assignment(), try second.assignment())
        #expect(split, "partitions were not split between the members: \(firstOwns) / \(secondOwns)")

        // Replaying the events reproduces each member's assignment.
        func replay(_ events: [KafkaRebalanceEvent]) -> Set<KafkaTopicPartition> {
            var owned = Set<KafkaTopicPartition>()
            for event in events {
                switch event {
                case .assigned(let partitions, let kind):
                    #expect(kind == expectedProtocol)
                    owned = kind == .eager ? Set(partitions) : owned.union(partitions)
                case .revoked(let partitions, let kind, _):
                    #expect(kind == expectedProtocol)
                    owned = kind == .eager ? [] : owned.subtracting(partitions)
                case .failed(let error):
                    Issue.record("rebalance failed: \(error)")
                }
            }
            return owned
        }
        #expect(replay(firstEvents.events) == Set(firstOwns))
        #expect(replay(secondEvents.events) == Set(secondOwns))

        // Cooperative: the first member gives up only what moves. Eager: everything, then some back.
        let firstRevocations = firstEvents.events.compactMap { event -> [KafkaTopicPartition]? in
            if case .revoked(let partitions, _, _) = event { return partitions } else { return nil }
        }
        #expect(!firstRevocations.isEmpty)
        if expectedProtocol == .cooperative {
            #expect(firstRevocations.allSatisfy { $0.count < 3 }, "\(firstRevocations)")
        } else {
            #expect(firstRevocations.first == all, "\(firstRevocations)")
        }
        try await blocking { try second.close(); try first.close() }
    }
}
