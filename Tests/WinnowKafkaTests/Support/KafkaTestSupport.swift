import BrokerTestSupport
import Foundation
import Synchronization
import WinnowKafka

func producerConfiguration(_ broker: TansuBroker, extra: [String: String] = [:]) -> KafkaConfiguration {
    KafkaConfiguration([
        "bootstrap.servers": broker.bootstrapServers,
        "linger.ms": "5",
    ]).merging(extra)
}

func createTopic(_ broker: TansuBroker, _ name: String, partitions: Int32) throws {
    let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
    try admin.createTopics([KafkaNewTopic(name: name, partitions: partitions)], timeout: .seconds(10))
}

/// Error events seen while polling. librdkafka reports them as informational (it recovers by
/// itself); tests collect them and expect none.
final class ErrorLog: Sendable {
    private let stored = Mutex<[KafkaError]>([])

    func append(_ error: KafkaError) { stored.withLock { $0.append(error) } }

    var errors: [KafkaError] { stored.withLock { $0 } }
}

/// Polls until `count` records arrived or `timeout` passed; a fatal error is thrown.
func drain(_ consumer: KafkaConsumer, count: Int, timeout: Duration, errors: ErrorLog) async throws -> [KafkaMessage] {
    try await blocking { try drainNow(consumer, count: count, timeout: timeout, errors: errors) }
}

/// Polls for `duration` and returns whatever arrives (to show that nothing else does).
func pollFor(_ consumer: KafkaConsumer, _ duration: Duration, errors: ErrorLog) async throws -> [KafkaMessage] {
    try await drain(consumer, count: .max, timeout: duration, errors: errors)
}

func drainNow(_ consumer: KafkaConsumer, count: Int, timeout: Duration, errors: ErrorLog) throws -> [KafkaMessage] {
    var messages: [KafkaMessage] = []
    let deadline = ContinuousClock.now + timeout
    while messages.count < count, ContinuousClock.now < deadline {
        do {
            if let message = try consumer.poll(timeout: .milliseconds(100)) { messages.append(message) }
        } catch let error as KafkaError where !error.isFatal {
            errors.append(error)
        }
    }
    return messages
}

/// Polls (serving rebalances) until the consumer owns `partitions` partitions.
func waitForAssignment(_ consumer: KafkaConsumer, partitions: Int, timeout: Duration = .seconds(30)) async throws {
    try await blocking {
        let deadline = ContinuousClock.now + timeout
        while try consumer.assignment().count < partitions {
            guard ContinuousClock.now < deadline else {
                throw HarnessError(description: "no assignment of \(partitions) partitions within \(timeout)")
            }
            _ = try? consumer.poll(timeout: .milliseconds(100))
        }
    }
}

/// Produces every message and waits for all delivery reports.
func produceAll(_ producer: KafkaProducer, _ messages: [KafkaProducerMessage],
                timeout: Duration = .seconds(20)) async throws -> [Result<KafkaDeliveryReport, KafkaError>] {
    try await blocking {
        let results = ResultsBox(count: messages.count)
        for (index, message) in messages.enumerated() {
            try producer.produce(message) { results.set(index, $0) }
        }
        try producer.flush(timeout: timeout)
        return try results.all()
    }
}

