import CRdKafka

extension KafkaError {
    /// Whether producing the same record again cannot succeed: the record itself is refused
    /// (too large, invalid) or its topic is missing, invalid or forbidden to this client.
    ///
    /// librdkafka has already retried what it can by the time a delivery report says so, so a
    /// caller should give up on the record (and dead-letter its input) instead of retrying it
    /// forever. Everything else (timeouts, brokers down, a full local queue) may clear by itself.
    public var isPermanentDeliveryFailure: Bool {
        guard !isFatal else { return false }  // the producer is gone: not this record's fault
        return Self.permanentDeliveryCodes.contains(code.rawValue)
    }

    /// Whether the record was refused for its size (by librdkafka's `message.max.bytes` check or
    /// by the broker's limit).
    public var isRecordTooLarge: Bool {
        [RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE]
            .contains { $0.rawValue == code.rawValue }
    }

    private static let permanentDeliveryCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
        RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE, RD_KAFKA_RESP_ERR_INVALID_MSG, RD_KAFKA_RESP_ERR_INVALID_RECORD,
        RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
        RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_ID,
        RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_POLICY_VIOLATION,
    ].reduce(into: []) { $0.insert($1.rawValue) }
}
