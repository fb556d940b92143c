import Foundation
import Kafka

// Helpers shared with Tests/KafkaTests/Support (test targets cannot share sources).

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
func blocking<T>(_ body: @escaping () throws -> T) async throws -> T {
    let box = UncheckedBox(body)
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UncheckedBox<T>, Error>) in
        Thread { continuation.resume(with: Result { UncheckedBox(try box.value()) }) }.start()
    }.value
}
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
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
func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

extension KafkaMessage {
    var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}
