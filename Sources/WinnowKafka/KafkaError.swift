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
    /// A librdkafka response error code: negative values are raised by the client
    /// itself, positive ones are Kafka protocol errors from the broker.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// librdkafka's symbolic name, e.g. `_TIMED_OUT` or `TOPIC_ALREADY_EXISTS` (the codes and
        /// names are librdkafka's, so they live in RDKafka/RDKafkaErrorCodes.swift).
        public var description: String { name }

        /// The client cannot reach the cluster as configured — the TLS handshake failed (wrong CA,
        /// host name, certificate) or SASL refused the credentials — and retrying the same
        /// settings will not change that. librdkafka itself keeps retrying these; a service should
        /// say so and stop instead of waiting for ever.
        public var isConfigurationFailure: Bool { self == .ssl || self == .authentication }
    }
}
