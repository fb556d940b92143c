import Synchronization

/// A consumer-group member reading records through librdkafka.
///
/// Use it from one thread: `poll` serves the rebalance handler, and librdkafka expects the
/// application to keep calling `poll` at least every `max.poll.interval.ms` — under back-pressure,
/// `pause` partitions and keep polling rather than stop. `commit`, `committed`, `assignment`,
/// `pause`/`resume`, `watermarks` and `groupMetadata` are thread-safe in librdkafka and may also be
/// called from other threads (and from inside the rebalance handler).
///
/// Offsets: set `enable.auto.commit=false` for at-least-once processing and `commit` the *next*
/// offset to read (`KafkaMessage.nextOffset`) once a record's outputs are acknowledged.
public final class KafkaConsumer: Sendable {
    public typealias RebalanceHandler = (KafkaRebalanceEvent) -> Void

    private let client: RDKafkaClient
    private let closed = Mutex(false)
    /// The configured `group.id`.
    public let groupID: String

    /// - Parameters:
    ///   - configuration: librdkafka properties; needs `bootstrap.servers` and `group.id`.
    ///   - onRebalance: told which partitions were assigned or revoked, on the polling thread.
    public init(configuration: KafkaConfiguration, onRebalance: RebalanceHandler? = nil) throws {
        guard let groupID = configuration["group.id"], !groupID.isEmpty else {
            throw KafkaError(kind: .invalidProperty("group.id"), code: .invalidArgument,
                             message: "a consumer group member needs group.id")
        }
        self.groupID = groupID
        client = try RDKafkaClient.consumer(configuration: configuration, onRebalance: onRebalance)
    }

    deinit {
        // Leave the group cleanly (final revocation, commit of auto-committed offsets); the
        // handle itself is destroyed by RDKafkaClient.
        if !closed.withLock({ $0 }) { try? client.closeConsumer() }
    }

    // MARK: - Subscription and polling

    /// Joins the group for `topics` (replacing an earlier subscription). Topics starting with `^`
    /// are regular expressions. Partitions arrive through `poll`.
    public func subscribe(topics: [String]) throws {
        try client.subscribe(topics: topics)
    }

    /// Waits up to `timeout` for the next record. Returns nil when none arrived (or a partition
    /// end was reported with `enable.partition.eof`).
    ///
    /// Throws the error events librdkafka reports (kind `.consume`). Most are informational —
    /// librdkafka recovers from broker outages by itself — so keep polling unless `isFatal`.
    public func poll(timeout: Duration) throws -> KafkaMessage? {
        try client.consumerPoll(timeout: timeout)
    }

    /// Like `poll`, but also reports the end of a partition when `enable.partition.eof=true`:
    /// what a reader needs to know it has read everything up to the high watermark (with
    /// `isolation.level=read_committed`, up to the last stable offset) rather than guessing from
    /// a quiet spell.
    public func pollEvent(timeout: Duration) throws -> KafkaConsumerEvent? {
        try client.consumerPollEvent(timeout: timeout)
    }

    // MARK: - Partitions

    /// The partitions currently assigned to this member.
    public func assignment() throws -> [KafkaTopicPartition] {
        try client.assignment()
    }

    /// Stops fetching from `partitions`; records already fetched for them are dropped and fetched
    /// again after `resume`, from the position of the last record `poll` returned.
    /// The group keeps the partitions assigned as long as `poll` keeps being called.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        try client.pause(partitions)
    }

    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        try client.resume(partitions)
    }

    /// The offset of the next record `poll` will return per partition (last returned + 1);
    /// partitions with no position yet are left out.
    public func position(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: Int64] {
        try client.position(partitions)
    }

    // MARK: - Offsets

    /// Commits `offsets` (the *next* offset to read per partition) and waits for the broker.
    public func commit(_ offsets: [KafkaTopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        try client.commit(offsets)
    }

    /// The group's committed offsets for `partitions`; partitions without a commit are left out.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) throws
        -> [KafkaTopicPartition: Int64] {
        try client.committed(partitions, timeout: timeout)
    }

    /// Low and high watermarks of a partition, asked from its leader.
    public func watermarks(topic: String, partition: Int32, timeout: Duration = .seconds(10)) throws -> KafkaWatermarks {
        try client.watermarks(topic: topic, partition: partition, timeout: timeout)
    }

    /// The high watermark librdkafka last saw in a fetch response for a partition this consumer
    /// reads: no request, so cheap enough for a lag gauge. Nil until the partition was fetched.
    public func cachedHighWatermark(topic: String, partition: Int32) -> Int64? {
        client.cachedHighWatermark(topic: topic, partition: partition)
    }

    /// This member's current group identity, for `KafkaProducer.sendOffsetsToTransaction`.
    public func groupMetadata() throws -> KafkaConsumerGroupMetadata {
        try client.groupMetadata()
    }

    /// The protocol of the joined group, nil before the first join.
    public var rebalanceProtocol: KafkaRebalanceProtocol? {
        client.rebalanceProtocol
    }

    // MARK: - Closing

    /// Leaves the group: the rebalance handler sees the final revocation (on this thread), and
    /// with auto-commit the last offsets are committed. Idempotent; the consumer is unusable after.
    public func close() throws {
        let wasClosed = closed.withLock { flag -> Bool in
            defer { flag = true }
            return flag
        }
        guard !wasClosed else { return }
        try client.closeConsumer()
    }
}

/// What `KafkaConsumer.pollEvent` returns.
public enum KafkaConsumerEvent: Sendable {
    case message(KafkaMessage)
    /// The consumer has read `partition` up to `offset`, its current end.
    case endOfPartition(KafkaTopicPartition, offset: Int64)
}
