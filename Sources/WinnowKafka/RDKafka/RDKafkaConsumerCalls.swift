import CRdKafka

/// The consumer half of librdkafka, for `KafkaConsumer`: every `rd_kafka_*` call a group member
/// makes, with librdkafka's pointers and codes turned into Swift values and `KafkaError`s here.
extension RDKafkaClient {
    /// A consumer handle whose rebalances go to `handler` (on the polling thread), with the main
    /// queue (errors, rebalances) routed to the consumer queue that `consumerPoll` serves.
    static func consumer(configuration: KafkaConfiguration,
                         onRebalance handler: ((KafkaRebalanceEvent) -> Void)?) throws -> RDKafkaClient {
        let callbacks = RDKafkaCallbacks()
        callbacks.onRebalance = { handle, code, partitions in
            RDKafkaRebalance.apply(handle, code, partitions, handler: handler)
        }
        let client = try RDKafkaClient(role: .consumer, configuration: configuration, callbacks: callbacks)
        try client.check(rd_kafka_poll_set_consumer(client.handle), kind: .client)
        return client
    }

    func subscribe(topics: [String]) throws {
        let list = RDKafkaTopicPartitionList(topics.map { KafkaTopicPartition(topic: $0, partition: -1) })
        try check(rd_kafka_subscribe(handle, list.pointer), kind: .assignment)
    }

    /// The next record, nil when none arrived in time or a partition end was reported.
    func consumerPoll(timeout: Duration) throws -> KafkaMessage? {
        guard let message = rd_kafka_consumer_poll(handle, timeout.rdKafkaMilliseconds) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw error(code, kind: .consume, detail: RDKafkaMessage.consumerErrorString(message))
        }
        return RDKafkaMessage.consumed(message)
    }

    /// The next record or partition end (`enable.partition.eof`), nil when neither arrived in time.
    func consumerPollEvent(timeout: Duration) throws -> KafkaConsumerEvent? {
        guard let message = rd_kafka_consumer_poll(handle, timeout.rdKafkaMilliseconds) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            return .endOfPartition(KafkaTopicPartition(topic: RDKafkaMessage.topic(message), partition: message.pointee.partition),
                                   offset: message.pointee.offset)
        }
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw error(code, kind: .consume, detail: RDKafkaMessage.consumerErrorString(message))
        }
        return .message(RDKafkaMessage.consumed(message))
    }

    func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try check(rd_kafka_assignment(handle, &list), kind: .assignment)
        guard let list else { return [] }
        return RDKafkaTopicPartitionList(adopting: list).partitions.sorted()
    }

    func pause(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        try check(rd_kafka_pause_partitions(handle, list.pointer), kind: .assignment)
        try list.throwFirstError(kind: .assignment, client: self)
    }

    func resume(_ partitions: [KafkaTopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        try check(rd_kafka_resume_partitions(handle, list.pointer), kind: .assignment)
        try list.throwFirstError(kind: .assignment, client: self)
    }

    func position(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: Int64] {
        let list = RDKafkaTopicPartitionList(partitions)
        try check(rd_kafka_position(handle, list.pointer), kind: .assignment)
        return list.offsets().filter { $0.value >= 0 }
    }

    /// Commits `offsets` synchronously.
    func commit(_ offsets: [KafkaTopicPartition: Int64]) throws {
        let list = RDKafkaTopicPartitionList(offsets)
        try check(rd_kafka_commit(handle, list.pointer, 0 /* synchronous */), kind: .commit)
        try list.throwFirstError(kind: .commit, client: self)
    }

    /// The high watermark from the last fetch response, without a request; nil before one.
    func cachedHighWatermark(topic: String, partition: Int32) -> Int64? {
        var low: Int64 = -1001
        var high: Int64 = -1001
        let code = rd_kafka_get_watermark_offsets(handle, topic, partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }

    func groupMetadata() throws -> KafkaConsumerGroupMetadata {
        guard let metadata = rd_kafka_consumer_group_metadata(handle) else {
            throw KafkaError(kind: .transaction, code: .state, message: "no consumer group metadata (is group.id set?)")
        }
        return KafkaConsumerGroupMetadata(adopting: RDKafkaGroupMetadata(adopting: metadata))
    }

    var rebalanceProtocol: KafkaRebalanceProtocol? {
        rd_kafka_rebalance_protocol(handle).flatMap { KafkaRebalanceProtocol(rawValue: String(cString: $0)) }
    }

    /// Leaves the group (final revocation through the rebalance handler, last auto-commit).
    func closeConsumer() throws {
        try check(rd_kafka_consumer_close(handle), kind: .client)
    }
}

/// librdkafka's rebalance callback. With a callback registered the application must apply the
/// assignment itself, and the call differs by protocol: `rd_kafka_assign` replaces the whole
/// assignment (eager), `rd_kafka_incremental_(un)assign` adds or removes only the partitions
/// listed (cooperative). Mixing them up leaves the consumer stuck or fetching revoked partitions.
enum RDKafkaRebalance {
    static func apply(_ handle: OpaquePointer, _ code: rd_kafka_resp_err_t,
                      _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
                      handler: ((KafkaRebalanceEvent) -> Void)?) {
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
