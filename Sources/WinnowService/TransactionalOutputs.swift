import Foundation
import WinnowKafka

/// With `--exactly-once`, the outputs of done records wait here until a Kafka transaction
/// carries them together with the input offsets they answer.
///
/// A transaction may only hold outputs whose input offsets it also commits: an output committed
/// without its offset would be produced again (and seen twice) after a crash. So outputs are not
/// produced as they are made but taken from here, per partition up to the offset being
/// committed, by the consumer thread when it commits. Thread-safe.
final class TransactionalOutputs: @unchecked Sendable {
    struct Entry {
        var offset: Int64
        var records: [KafkaProducerMessage]
        /// Runs once the transaction that carried `records` committed.
        var onCommitted: @Sendable () -> Void
    }

    private let lock = NSLock()
    private var waiting: [KafkaTopicPartition: [Entry]] = [:]

    func add(_ partition: KafkaTopicPartition, offset: Int64, records: [KafkaProducerMessage],
             onCommitted: @escaping @Sendable () -> Void) {
        lock.lock(); defer { lock.unlock() }
        waiting[partition, default: []].append(Entry(offset: offset, records: records, onCommitted: onCommitted))
    }

    /// The entries a commit of `offsets` covers (input offset below the partition's committed
    /// offset), per partition in offset order. They stay here until `remove(below:)`.
    func entries(below offsets: [KafkaTopicPartition: Int64]) -> [Entry] {
        lock.lock(); defer { lock.unlock() }
        return offsets.sorted { $0.key < $1.key }.flatMap { partition, next in
            (waiting[partition] ?? []).filter { $0.offset < next }.sorted { $0.offset < $1.offset }
        }
    }

    /// Forgets the entries a committed transaction carried.
    func remove(below offsets: [KafkaTopicPartition: Int64]) {
        lock.lock(); defer { lock.unlock() }
        for (partition, next) in offsets { waiting[partition]?.removeAll { $0.offset < next } }
    }

    /// Forgets revoked partitions' entries: their records are read again by the new owner.
    func drop(partitions: Set<KafkaTopicPartition>) {
        lock.lock(); defer { lock.unlock() }
        for partition in partitions { waiting[partition] = nil }
    }

    /// Outputs waiting for a transaction.
    var count: Int {
        lock.lock(); defer { lock.unlock() }
        return waiting.values.reduce(0) { $0 + $1.count }
    }
}
