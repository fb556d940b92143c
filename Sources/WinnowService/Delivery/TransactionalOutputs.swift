import Foundation
import Synchronization
import WinnowKafka

/// With `--exactly-once`, the outputs of done records wait here until a Kafka transaction
/// carries them together with the input offsets they answer.
///
/// A transaction may only hold outputs whose input offsets it also commits: an output committed
/// without its offset would be produced again (and seen twice) after a crash. So outputs are not
/// produced as they are made but taken from here, per partition up to the offset being
/// committed, by the consumer thread when it commits. Entries carry their assignment generation:
/// only those of the partition's current generation are ever handed out. Thread-safe.
final class TransactionalOutputs: Sendable {
    struct Entry: Sendable {
        var outputs: RecordOutputs
        /// When the record's first outputs were added: retries of a transient failure are bounded
        /// by this age.
        var added: ContinuousClock.Instant
    }

    private let waiting = Mutex<[KafkaTopicPartition: [Entry]]>([:])

    func add(_ outputs: RecordOutputs) {
        waiting.withLock { $0[outputs.partition, default: []].append(Entry(outputs: outputs, added: .now)) }
    }

    /// The entries a commit of `offsets` covers (input offset below the partition's committed
    /// offset, of the generation given), per partition in offset order. They stay here until
    /// `remove(below:)`.
    func entries(below offsets: [KafkaTopicPartition: Int64], generations: [KafkaTopicPartition: UInt64]) -> [Entry] {
        waiting.withLock { waiting in
            offsets.sorted { $0.key < $1.key }.flatMap { partition, next in
                (waiting[partition] ?? [])
                    .filter { $0.outputs.offset < next && $0.outputs.generation == generations[partition] }
                    .sorted { $0.outputs.offset < $1.outputs.offset }
            }
        }
    }

    /// Puts `outputs` (a dead letter) in place of the entry for the same record.
    func replace(_ entry: Entry, with outputs: RecordOutputs) {
        waiting.withLock { waiting in
            guard let index = waiting[entry.outputs.partition]?.firstIndex(where: {
                $0.outputs.offset == entry.outputs.offset && $0.outputs.generation == entry.outputs.generation
            }) else { return }
            waiting[entry.outputs.partition]![index].outputs = outputs
        }
    }

    /// Forgets the entries a committed transaction carried.
    func remove(below offsets: [KafkaTopicPartition: Int64]) {
        waiting.withLock { waiting in
            for (partition, next) in offsets { waiting[partition]?.removeAll { $0.outputs.offset < next } }
        }
    }

    /// Forgets revoked partitions' entries: their records are read again by the new owner.
    func drop(partitions: Set<KafkaTopicPartition>) {
        waiting.withLock { waiting in
            for partition in partitions { waiting[partition] = nil }
        }
    }

    /// Outputs waiting for a transaction, and their bytes.
    var totals: (count: Int, bytes: Int) {
        waiting.withLock { waiting in
            waiting.values.joined().reduce((0, 0)) { ($0.0 + 1, $0.1 + $1.outputs.bytes) }
        }
    }

    /// How long the oldest waiting entry has waited; zero when none waits.
    var oldestAge: Duration {
        let oldest = waiting.withLock { $0.values.joined().map(\.added).min() }
        return oldest.map { ContinuousClock.now - $0 } ?? .zero
    }
}
