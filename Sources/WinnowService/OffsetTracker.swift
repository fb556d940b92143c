import WinnowKafka

/// Which input offsets may be committed: per partition, the records are done in any order, but
/// the commit only moves past a record once it and every record before it are done (their
/// outputs acknowledged by the broker). The committed offset is that record's offset + 1.
///
/// Records are tracked in the order they were read, not by offset arithmetic, so gaps in the
/// offsets (transaction markers, compaction) never block a commit.
///
/// Each assignment of a partition gets a new generation; completions from an older generation
/// (work that was in flight when the partition was revoked) are ignored.
/// Not thread-safe: the service guards it with a lock.
public struct OffsetTracker: Sendable {
    private struct PartitionState {
        var generation: UInt64
        /// Offsets read and not yet passed by the commit point, in reading order.
        var pending: [Int64] = []
        var head = 0
        var done: Set<Int64> = []
        /// The next offset to read as of the last contiguous done record; nil before any.
        var committable: Int64?
        /// What was last committed (or handed out to be committed).
        var committed: Int64?
    }

    private var partitions: [KafkaTopicPartition: PartitionState] = [:]
    private var nextGeneration: UInt64 = 1

    public init() {}

    /// Starts tracking `partitions` afresh (after an assignment); returns nothing to commit yet.
    public mutating func assign(_ assigned: [KafkaTopicPartition]) {
        for partition in assigned {
            partitions[partition] = PartitionState(generation: nextGeneration)
            nextGeneration += 1
        }
    }

    /// Forgets `revoked` partitions: their in-flight completions will be ignored.
    public mutating func revoke(_ revoked: [KafkaTopicPartition]) {
        for partition in revoked { partitions[partition] = nil }
    }

    /// Records that `offset` was read; returns the generation its completion must quote.
    public mutating func start(_ partition: KafkaTopicPartition, offset: Int64) -> UInt64 {
        if partitions[partition] == nil { assign([partition]) }
        partitions[partition]!.pending.append(offset)
        return partitions[partition]!.generation
    }

    /// Marks `offset` done. Returns false (and changes nothing) when the partition was revoked
    /// or reassigned since the record was read.
    @discardableResult
    public mutating func complete(_ partition: KafkaTopicPartition, offset: Int64, generation: UInt64) -> Bool {
        guard var state = partitions[partition], state.generation == generation else { return false }
        state.done.insert(offset)
        while state.head < state.pending.count, state.done.remove(state.pending[state.head]) != nil {
            state.committable = state.pending[state.head] + 1
            state.head += 1
        }
        // Compact now and then so the array does not grow without bound.
        if state.head > 1024, state.head * 2 > state.pending.count {
            state.pending.removeFirst(state.head)
            state.head = 0
        }
        partitions[partition] = state
        return true
    }

    /// The current generation of every owned partition.
    public var generations: [KafkaTopicPartition: UInt64] { partitions.mapValues(\.generation) }

    /// Whether `partition` is still owned in `generation`.
    public func isCurrent(_ partition: KafkaTopicPartition, generation: UInt64) -> Bool {
        partitions[partition]?.generation == generation
    }

    /// Offsets to commit: partitions whose commit point moved since the last call (restricted
    /// to `only` when given). They count as committed from here on; call `uncommit` if the
    /// commit fails.
    public mutating func takeCommittable(only: Set<KafkaTopicPartition>? = nil) -> [KafkaTopicPartition: Int64] {
        var result: [KafkaTopicPartition: Int64] = [:]
        for (partition, state) in partitions where only?.contains(partition) ?? true {
            if let offset = state.committable, offset != state.committed {
                result[partition] = offset
                partitions[partition]!.committed = offset
            }
        }
        return result
    }

    /// Puts back offsets whose commit failed, so the next `takeCommittable` retries them.
    public mutating func uncommit(_ offsets: [KafkaTopicPartition: Int64]) {
        for (partition, offset) in offsets where partitions[partition]?.committed == offset {
            partitions[partition]!.committed = nil
        }
    }

    /// Records read and not yet passed by the commit point (not done, or done behind one that
    /// is not), over every partition. Zero means everything read may be committed.
    public var pendingCount: Int {
        partitions.values.reduce(0) { $0 + $1.pending.count - $1.head }
    }
}
