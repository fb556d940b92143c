import Foundation
import Synchronization
import WinnowKafka

// Kafka helpers for the tests that run against a real broker (WinnowKafkaTests, WinnowServiceTests).

/// Settings that keep a Tansu group join at ~3 s instead of ~23 s (librdkafka's default
/// session.timeout.ms of 45 s makes the broker wait much longer before completing a join).
public func consumerConfiguration(_ broker: TansuBroker, group: String,
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

/// Runs blocking Kafka calls on a thread of their own, so parallel tests don't starve the small
/// cooperative pool (2 cores here) while they sit in `poll`. Expectations stay in the calling
/// test's task (Swift Testing attributes issues through task-locals, which a thread lacks).
public func blocking<T>(_ body: @escaping () throws -> T) async throws -> T {
    let box = UncheckedBox(body)
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UncheckedBox<T>, Error>) in
        Thread { continuation.resume(with: Result { UncheckedBox(try box.value()) }) }.start()
    }.value
}

/// Moves values between the test task and its helper thread; each is used by one side at a time.
public struct UncheckedBox<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// Delivery reports by record index, filled in from the producer's poll thread.
public final class ResultsBox: Sendable {
    private let results: Mutex<[Result<KafkaDeliveryReport, KafkaError>?]>

    public init(count: Int) { results = Mutex(Array(repeating: nil, count: count)) }

    public func set(_ index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        results.withLock { results in
            precondition(results[index] == nil, "delivery handler called twice for record \(index)")
            results[index] = result
        }
    }

    public func all() throws -> [Result<KafkaDeliveryReport, KafkaError>] {
        let results = results.withLock { $0 }
        let missing = results.indices.filter { results[$0] == nil }
        guard missing.isEmpty else { throw HarnessError(description: "no delivery report for records \(missing)") }
        return results.map { $0! }
    }
}

extension KafkaMessage {
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    public var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

/// A unique name per test run, so tests never share topics or groups.
public func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
