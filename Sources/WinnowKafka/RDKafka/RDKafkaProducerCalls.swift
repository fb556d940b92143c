import CRdKafka

/// The producer half of librdkafka, for `KafkaProducer`: flushing, the outgoing queue, purging
/// and transactions.
extension RDKafkaClient {
    /// `rd_kafka_flush`: waits until every enqueued record has its delivery report served.
    func flush(timeout: Duration) throws {
        try check(rd_kafka_flush(handle, timeout.rdKafkaMilliseconds), kind: .delivery)
    }

    /// `rd_kafka_outq_len`: records enqueued or in flight whose delivery reports have not been
    /// served yet, plus other queued client events.
    var outgoingQueueLength: Int { Int(rd_kafka_outq_len(handle)) }

    /// `rd_kafka_purge` of the local queue and of what is in flight: those records get failed
    /// delivery reports (served by the next poll).
    func purgeQueuedAndInFlight() {
        _ = rd_kafka_purge(handle, 0x1 | 0x2 /* RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT */)
    }

    func initTransactions(timeout: Duration) throws {
        try check(rd_kafka_init_transactions(handle, timeout.rdKafkaMilliseconds), kind: .transaction)
    }

    func beginTransaction() throws {
        try check(rd_kafka_begin_transaction(handle), kind: .transaction)
    }

    func sendOffsetsToTransaction(_ offsets: [KafkaTopicPartition: Int64], groupMetadata: RDKafkaGroupMetadata,
                                  timeout: Duration) throws {
        let list = RDKafkaTopicPartitionList(offsets)
        try check(rd_kafka_send_offsets_to_transaction(handle, list.pointer, groupMetadata.pointer, timeout.rdKafkaMilliseconds),
                  kind: .transaction)
    }

    func commitTransaction(timeout: Duration) throws {
        try check(rd_kafka_commit_transaction(handle, timeout.rdKafkaMilliseconds), kind: .transaction)
    }

    func abortTransaction(timeout: Duration) throws {
        try check(rd_kafka_abort_transaction(handle, timeout.rdKafkaMilliseconds), kind: .transaction)
    }
}
