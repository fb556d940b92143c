import CRdKafka

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
public final class KafkaConsumer: @unchecked Sendable {
    public typealias RebalanceHandler = (KafkaRebalanceEvent) -> Void

    private let client: RDKafkaClient
    private let closed = Locked(false)
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
        let callbacks = RDKafkaCallbacks()
        callbacks.onRebalance = { handle, code, partitions in
            Self.rebalance(handle, code, partitions, handler: onRebalance)
        }
        client = try RDKafkaClient(role: .consumer, configuration: configuration, callbacks: callbacks)
        // Route the main queue (errors, rebalances) to the consumer queue that `poll` serves.
        try client.check(rd_kafka_poll_set_consumer(client.handle), kind: .client)
    }

    deinit {
        // Leave the group cleanly (final revocation, commit of auto-committed offsets); the
        // handle itself is destroyed by RDKafkaClient.
        if !closed.withLock({ $0 }) { _ = rd_kafka_consumer_close(client.handle) }
    }

    // MARK: - Subscription and polling

    /// Joins the group for `topics` (replacing an earlier subscription). Topics starting with `^`
    /// are regular expressions. Partitions arrive through `poll`.
    public func subscribe(topics: [String]) throws {
        let list = RDKafkaTopicPartitionList(topics.map { KafkaTopicPartition(topic: $0, partition: -1) })
        try client.check(rd_kafka_subscribe(client.handle, list.pointer), kind: .assignment)
    }

    /// Waits up to `timeout` for the next record. Returns nil when none arrived (or a partition
    /// end was reported with `enable.partition.eof`).
    ///
    /// Throws the error events librdkafka reports (kind `.consume`). Most are informational —
    /// librdkafka recovers from broker outages by itself — so keep polling unless `isFatal`.
    public func poll(timeout: Duration) throws -> KafkaMessage? {
        guard let message = rd_kafka_consumer_poll(client.handle, timeout.rdKafkaMilliseconds) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw client.error(code, kind: .consume, detail: RDKafkaMessage.consumerErrorString(message))
        }
        return RDKafkaMessage.consumed(message)
    }

    // MARK: - Partitions

    /// The partitions currently assigned to this member.
    public func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try client.check(rd_kafka_assignment(client.handle, &list), kind: .assignment)
        guard let list else { return [] }
        return RDKafkaTopicPartitionList(adopting: list).partitions.sorted()
    }

    /// Stops fetching from `partitions`; records already fetched for them are dropped and fetched
    /// again after `resume`, from the position of the last record `poll` returned.
    /// The group keeps the partitions assigned as long as `poll` keeps being called.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        try client.check(rd_kafka_pause_partitions(client.handle, list.pointer), kind: .assignment)
        try list.throwFirstError(kind: .assignment, client: client)
    }

    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        try client.check(rd_kafka_resume_partitions(client.handle, list.pointer), kind: .assignment)
        try list.throwFirstError(kind: .assignment, client: client)
    }

    /// The offset of the next record `poll` will return per partition (last returned + 1);
    /// partitions with no position yet are left out.
    public func position(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: Int64] {
        let list = RDKafkaTopicPartitionList(partitions)
        try client.check(rd_kafka_position(client.handle, list.pointer), kind: .assignment)
        return list.offsets().filter { $0.value >= 0 }
    }

    // MARK: - Offsets

    /// Commits `offsets` (the *next* offset to read per partition) and waits for the broker.
    public func commit(_ offsets: [KafkaTopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(offsets)
        try client.check(rd_kafka_commit(client.handle, list.pointer, 0 /* synchronous */), kind: .commit)
        try list.throwFirstError(kind: .commit, client: client)
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
        var low: Int64 = -1001
        var high: Int64 = -1001
        let code = rd_kafka_get_watermark_offsets(client.handle, topic, partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }

    /// This member's current group identity, for `KafkaProducer.sendOffsetsToTransaction`.
    public func groupMetadata() throws -> KafkaConsumerGroupMetadata {
        guard let metadata = rd_kafka_consumer_group_metadata(client.handle) else {
            throw KafkaError(kind: .transaction, code: .state, message: "no consumer group metadata (is group.id set?)")
        }
        return KafkaConsumerGroupMetadata(adopting: metadata)
    }

    /// The protocol of the joined group, nil before the first join.
    public var rebalanceProtocol: KafkaRebalanceProtocol? {
        rd_kafka_rebalance_protocol(client.handle).flatMap { KafkaRebalanceProtocol(rawValue: String(cString: $0)) }
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
        try client.check(rd_kafka_consumer_close(client.handle), kind: .client)
    }

    // MARK: - Rebalancing

    /// librdkafka's rebalance callback. With a callback registered the application must apply the
    /// assignment itself, and the call differs by protocol: `rd_kafka_assign` replaces the whole
    /// assignment (eager), `rd_kafka_incremental_(un)assign` adds or removes only the partitions
    /// listed (cooperative). Mixing them up leaves the consumer stuck or fetching revoked partitions.
    private static func rebalance(_ handle: OpaquePointer, _ code: rd_kafka_resp_err_t,
                                  _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
                                  handler: RebalanceHandler?) {
        let partitions = RDKafkaTopicPartitionList.partitions(in: list).sorted()
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        let protocolKind: KafkaRebalanceProtocol = cooperative ? .cooperative : .eager

        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            var failure: KafkaError?
            if cooperative {
                if let error = rd_kafka_incremental_assign(handle, list) {
                    failure = KafkaError(consuming: error, kind: .assignment)
                }
            } else {
                let result = rd_kafka_assign(handle, list)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    failure = KafkaError(kind: .assignment, code: KafkaError.Code(result),
                                         message: String(cString: rd_kafka_err2str(result)))
                }
            }
            if let failure {
                handler?(.failed(failure))
            } else {
                handler?(.assigned(partitions, protocol: protocolKind))
            }

        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(handle) != 0
            handler?(.revoked(partitions, protocol: protocolKind, lost: lost))
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, list) {
                    handler?(.failed(KafkaError(consuming: error, kind: .assignment)))
                }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }

        default:
            // librdkafka's guidance for unexpected rebalance errors: drop the assignment to resync.
            _ = rd_kafka_assign(handle, nil)
            handler?(.failed(KafkaError(kind: .assignment, code: KafkaError.Code(code),
                                        message: String(cString: rd_kafka_err2str(code)))))
        }
    }
}
