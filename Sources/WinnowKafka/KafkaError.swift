import CRdKafka

/// An error from librdkafka or from this wrapper, with librdkafka's code and message.
///
/// `isFatal`: the client can no longer be used (e.g. a fenced transactional producer); create a
/// new one. `isRetriable`: the same call may succeed if repeated. `transactionRequiresAbort`: the
/// current transaction must be aborted, after which the producer can go on.
public struct KafkaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What failed.
    public enum Kind: Sendable, Equatable {
        /// A configuration property librdkafka does not know.
        case unknownProperty(String)
        /// A known configuration property with a value librdkafka rejects (or a required one missing).
        case invalidProperty(String)
        /// Creating or using a client.
        case client
        /// A produced message was not acknowledged by the broker, or could not be enqueued.
        case delivery
        /// An error event from `KafkaConsumer.poll`.
        case consume
        /// Committing or reading committed offsets.
        case commit
        /// Subscribing, assigning, pausing or resuming partitions.
        case assignment
        /// A transactional producer call.
        case transaction
        /// Admin requests: topics, metadata, watermarks.
        case admin
        /// The client was closed before the operation could finish.
        case closed
    }

    public let kind: Kind
    public let code: Code
    public let message: String
    public let isFatal: Bool
    public let isRetriable: Bool
    public let transactionRequiresAbort: Bool

    public init(kind: Kind, code: Code, message: String, isFatal: Bool = false,
                isRetriable: Bool? = nil, transactionRequiresAbort: Bool = false) {
        self.kind = kind
        self.code = code
        self.message = message
        self.isFatal = isFatal || code == .fatal
        self.isRetriable = isRetriable ?? code.isUsuallyRetriable
        self.transactionRequiresAbort = transactionRequiresAbort
    }

    /// Converts and frees an `rd_kafka_error_t`.
    init(consuming error: OpaquePointer, kind: Kind) {
        defer { rd_kafka_error_destroy(error) }
        self.init(kind: kind, code: Code(rd_kafka_error_code(error)),
                  message: String(cString: rd_kafka_error_string(error)),
                  isFatal: rd_kafka_error_is_fatal(error) != 0,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0,
                  transactionRequiresAbort: rd_kafka_error_txn_requires_abort(error) != 0)
    }

    public var description: String {
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if isRetriable { flags.append("retriable") }
        if transactionRequiresAbort { flags.append("transaction must be aborted") }
        let suffix = flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]"
        return "Kafka \(kind) error \(code.name) (\(code.rawValue)): \(message)\(suffix)"
    }
}

extension KafkaError {
    /// A librdkafka error code (`rd_kafka_resp_err_t`): negative values are raised by the client
    /// itself, positive ones are Kafka protocol errors from the broker.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ code: rd_kafka_resp_err_t) { self.rawValue = code.rawValue }

        var cValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

        /// librdkafka's symbolic name, e.g. `_TIMED_OUT` or `TOPIC_ALREADY_EXISTS`.
        public var name: String { String(cString: rd_kafka_err2name(cValue)) }
        public var description: String { name }

        public static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let unknownPartition = Code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        public static let fenced = Code(RD_KAFKA_RESP_ERR__FENCED)
        public static let producerFenced = Code(RD_KAFKA_RESP_ERR_PRODUCER_FENCED)
        public static let purgedInQueue = Code(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
        public static let purgedInFlight = Code(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
        public static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        public static let ssl = Code(RD_KAFKA_RESP_ERR__SSL)
        public static let authentication = Code(RD_KAFKA_RESP_ERR__AUTHENTICATION)

        /// The client cannot reach the cluster as configured — the TLS handshake failed (wrong CA,
        /// host name, certificate) or SASL refused the credentials — and retrying the same
        /// settings will not change that. librdkafka itself keeps retrying these; a service should
        /// say so and stop instead of waiting for ever.
        public var isConfigurationFailure: Bool { self == .ssl || self == .authentication }

        /// Transient conditions librdkafka or the broker recover from by themselves. Calls that
        /// return an `rd_kafka_error_t` carry librdkafka's own verdict instead of this list.
        var isUsuallyRetriable: Bool {
            let transient: Set<Int32> = [
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
            return transient.contains(rawValue)
        }
    }
}
