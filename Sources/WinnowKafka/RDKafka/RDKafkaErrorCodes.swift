import CRdKafka

// Everything of `KafkaError` that names librdkafka: its codes, their names, and the conversion of
// the C error objects. Kept here so the public error type itself holds no C.

extension KafkaError {
    /// Converts and frees an `rd_kafka_error_t`.
    init(consuming error: OpaquePointer, kind: Kind) {
        defer { rd_kafka_error_destroy(error) }
        self.init(kind: kind, code: Code(rd_kafka_error_code(error)),
                  message: String(cString: rd_kafka_error_string(error)),
                  isFatal: rd_kafka_error_is_fatal(error) != 0,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0,
                  transactionRequiresAbort: rd_kafka_error_txn_requires_abort(error) != 0)
    }

    /// A failed delivery report's error: the code with librdkafka's text for it and the partition.
    init(delivery code: rd_kafka_resp_err_t, topicPartition: KafkaTopicPartition) {
        self.init(kind: .delivery, code: Code(code), message: "\(topicPartition): \(String(cString: rd_kafka_err2str(code)))")
    }

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

extension KafkaError.Code {
    init(_ code: rd_kafka_resp_err_t) { self.init(rawValue: code.rawValue) }

    var cValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

    /// librdkafka's symbolic name, e.g. `_TIMED_OUT` or `TOPIC_ALREADY_EXISTS`.
    public var name: String { String(cString: rd_kafka_err2name(cValue)) }

    public static let noError = Self(RD_KAFKA_RESP_ERR_NO_ERROR)
    public static let invalidArgument = Self(RD_KAFKA_RESP_ERR__INVALID_ARG)
    public static let timedOut = Self(RD_KAFKA_RESP_ERR__TIMED_OUT)
    public static let queueFull = Self(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    public static let messageTimedOut = Self(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
    public static let unknownPartition = Self(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
    public static let unknownTopic = Self(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    public static let unknownTopicOrPartition = Self(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    public static let topicAlreadyExists = Self(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    public static let state = Self(RD_KAFKA_RESP_ERR__STATE)
    public static let fatal = Self(RD_KAFKA_RESP_ERR__FATAL)
    public static let fenced = Self(RD_KAFKA_RESP_ERR__FENCED)
    public static let producerFenced = Self(RD_KAFKA_RESP_ERR_PRODUCER_FENCED)
    public static let purgedInQueue = Self(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
    public static let purgedInFlight = Self(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
    public static let destroyed = Self(RD_KAFKA_RESP_ERR__DESTROY)
    public static let ssl = Self(RD_KAFKA_RESP_ERR__SSL)
    public static let authentication = Self(RD_KAFKA_RESP_ERR__AUTHENTICATION)

    /// Transient conditions librdkafka or the broker recover from by themselves. Calls that
    /// return an `rd_kafka_error_t` carry librdkafka's own verdict instead of this list.
    var isUsuallyRetriable: Bool { Self.transient.contains(rawValue) }

    private static let transient: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__WAIT_COORD,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS,
    ].reduce(into: []) { $0.insert($1.rawValue) }
}
