import Foundation
import Logging
import Synchronization
import WinnowKafka

/// How outputs reach Kafka and when input offsets are committed: one type per delivery mode
/// (`AtLeastOnceDelivery`, `ExactlyOnceDelivery`), so the lifecycle loop never asks which.
///
/// `emit` runs on the scoring or tokenizing thread (and, for retries' dead letters, on the
/// producer's poll thread); `commit`, `revoke` and `finish` on the consumer thread.
protocol DeliveryStrategy: AnyObject, Sendable {
    /// "at-least-once" or "exactly-once", for logs.
    var name: String { get }
    /// How often `commit` is called.
    var commitInterval: Duration { get }
    /// Sends one record's outputs; the record is marked done in the tracker once they are
    /// delivered (at-least-once) or handed to the transaction queue (exactly-once). Ignored when
    /// the record's partition was revoked since it was read.
    func emit(_ outputs: RecordOutputs)
    /// Commits the offsets of done records (restricted to `only` when given).
    func commit(_ consumer: KafkaConsumer, only: Set<KafkaTopicPartition>?)
    /// Forgets what waits for revoked partitions. Called with the tracker's lock held, together
    /// with the tracker's own revocation, so no `emit` can slip in between.
    func revokeLocked(_ partitions: Set<KafkaTopicPartition>)
    /// At exit: delivers what can be delivered, then commits (unless the producer failed).
    func finish(_ consumer: KafkaConsumer)
    /// Outputs not yet delivered or committed: records, bytes, and how long the oldest waited.
    var awaiting: (count: Int, bytes: Int, oldestAge: Duration) { get }
}

/// What both strategies share: the tracker, the fatal-error slot, metrics and the retry limit.
struct DeliveryContext: Sendable {
    let tracker: SharedMutex<OffsetTracker>
    let producer: KafkaProducer
    /// A fatal producer error: outputs can no longer be delivered, so the service stops.
    let producerFailure: SharedMutex<KafkaError?>
    let metrics: Metrics
    let logger: Logger
    /// How long a transient failure is retried before the outputs become a dead letter.
    let retryLimit: Duration

    func done(_ outputs: RecordOutputs) {
        tracker.withLock { _ = $0.complete(outputs.partition, offset: outputs.offset, generation: outputs.generation) }
    }

    static func describe(_ offsets: [KafkaTopicPartition: Int64]) -> String {
        offsets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
