/// A topic to create.
public struct KafkaNewTopic: Hashable, Sendable {
    public var name: String
    public var partitions: Int32
    /// -1 uses the broker's default.
    public var replicationFactor: Int32
    /// Topic-level configuration (`retention.ms`, `cleanup.policy`, ...).
    public var config: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// Small administrative helpers: create topics, read metadata, watermarks, committed offsets and
/// consumer lag. Every call blocks up to its timeout; all are thread-safe.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient
    private let configuration: KafkaConfiguration

    /// - Parameters:
    ///   - configuration: librdkafka properties; at least `bootstrap.servers`.
    ///   - errorHandler: client-level errors librdkafka reports in the background (brokers down,
    ///     TLS handshake or SASL failures), on librdkafka's thread.
    public init(configuration: KafkaConfiguration, errorHandler: (@Sendable (KafkaError) -> Void)? = nil) throws {
        self.configuration = configuration
        client = try RDKafkaClient(role: .producer, configuration: configuration,
                                   callbacks: .reportingErrors(to: errorHandler))
    }

    /// Calls `errorHandler` for the client-level errors reported since the last call (an admin
    /// client has no polling thread of its own).
    public func reportErrors() {
        client.serveEvents()
    }

    /// Creates `topics` (librdkafka's CreateTopics admin request) and waits for the broker's answer. With
    /// `ifNotExists`, topics that already exist are not an error.
    public func createTopics(_ topics: [KafkaNewTopic], ifNotExists: Bool = false,
                             timeout: Duration = .seconds(30)) throws {
        guard !topics.isEmpty else { return }
        try client.createTopics(topics, ifNotExists: ifNotExists, timeout: timeout)
    }

    /// Number of partitions of `topic`, nil if the cluster does not know it.
    public func partitionCount(topic: String, timeout: Duration = .seconds(10)) throws -> Int? {
        try client.topicPartitionCounts(timeout: timeout)[topic]
    }

    /// Low and high watermarks of one partition (ListOffsets). The answer is the broker's:
    /// Tansu 0.6.0 gives the newest batch's base offset + 1 as the high watermark, short of the
    /// log end when that batch holds several records, so tests find a partition's end by
    /// reading it (fetch responses carry the right one).
    public func watermarks(topic: String, partition: Int32, timeout: Duration = .seconds(10)) throws -> KafkaWatermarks {
        try client.watermarks(topic: topic, partition: partition, timeout: timeout)
    }

    /// The committed offsets of consumer group `group` (OffsetFetch). Partitions without a commit
    /// are left out. Uses a short-lived handle that never joins the group.
    public func committedOffsets(group: String, partitions: [KafkaTopicPartition],
                                 timeout: Duration = .seconds(10)) throws -> [KafkaTopicPartition: Int64] {
        let reader = try RDKafkaClient(role: .consumer, configuration: configuration.merging(["group.id": group]),
                                       skipConsumerClose: true)
        return try reader.committed(partitions, timeout: timeout)
    }

    /// Lag of consumer group `group` on every partition of `topic`, against `watermarks` (so
    /// only as right as the broker's ListOffsets: zero too early on Tansu 0.6.0).
    public func lag(group: String, topic: String, timeout: Duration = .seconds(10)) throws -> [KafkaPartitionLag] {
        guard let count = try partitionCount(topic: topic, timeout: timeout) else {
            throw KafkaError(kind: .admin, code: .unknownTopic, message: "unknown topic \(topic)")
        }
        let partitions = (0..<Int32(count)).map { KafkaTopicPartition(topic: topic, partition: $0) }
        let committed = try committedOffsets(group: group, partitions: partitions, timeout: timeout)
        return try partitions.map { partition in
            KafkaPartitionLag(partition: partition, committed: committed[partition],
                              watermarks: try watermarks(topic: topic, partition: partition.partition, timeout: timeout))
        }
    }
}
