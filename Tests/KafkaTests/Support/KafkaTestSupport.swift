import Foundation
import Kafka

/// Settings that keep a Tansu group join at ~3 s instead of ~23 s (librdkafka's default
/// session.timeout.ms of 45 s makes the broker wait much longer before completing a join).
func consumerConfiguration(_ broker: TansuBroker, group: String,
                           extra: [String: String] = [:]) -> KafkaConfiguration {
    KafkaConfiguration([
        "bootstrap.servers": broker.bootstrapServers,
        "group.id": group,
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "500",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": "false",
        "topic.metadata.refresh.interval.ms": "1000",
    ]).merging(extra)
}

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

/// Runs blocking Kafka calls on a thread of their own, so parallel tests don't starve the small
/// cooperative pool (2 cores here) while they sit in `poll`. Expectations stay in the calling
/// test's task (Swift Testing attributes issues through task-locals, which a thread lacks).
func blocking<T>(_ body: @escaping () throws -> T) async throws -> T {
    let box = UncheckedBox(body)
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UncheckedBox<T>, Error>) in
        Thread { continuation.resume(with: Result { UncheckedBox(try box.value()) }) }.start()
    }.value
}

/// Moves values between the test task and its helper thread; each is used by one side at a time.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Error events seen while polling. librdkafka reports them as informational (it recovers by
/// itself); tests collect them and expect none.
final class ErrorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [KafkaError] = []

    func append(_ error: KafkaError) {
        lock.lock(); defer { lock.unlock() }
        stored.append(error)
    }

    var errors: [KafkaError] {
        lock.lock(); defer { lock.unlock() }
        return stored
    }
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

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<KafkaDeliveryReport, KafkaError>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        lock.lock(); defer { lock.unlock() }
        precondition(results[index] == nil, "delivery handler called twice for record \(index)")
        results[index] = result
    }

    func all() throws -> [Result<KafkaDeliveryReport, KafkaError>] {
        lock.lock(); defer { lock.unlock() }
        let missing = results.indices.filter { results[$0] == nil }
        guard missing.isEmpty else { throw HarnessError(description: "no delivery report for records \(missing)") }
        return results.map { $0! }
    }
}

extension KafkaMessage {
    var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

/// A unique name per test run, so tests never share topics or groups.
func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
