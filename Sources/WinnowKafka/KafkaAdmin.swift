import CRdKafka

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
public final class KafkaAdmin: @unchecked Sendable {
    private let client: RDKafkaClient
    private let configuration: KafkaConfiguration

    /// - Parameter configuration: librdkafka properties; at least `bootstrap.servers`.
    public init(configuration: KafkaConfiguration) throws {
        self.configuration = configuration
        client = try RDKafkaClient(role: .producer, configuration: configuration)
    }

    /// Creates `topics` (`rd_kafka_CreateTopics`) and waits for the broker's answer. With
    /// `ifNotExists`, topics that already exist are not an error.
    public func createTopics(_ topics: [KafkaNewTopic], ifNotExists: Bool = false,
                             timeout: Duration = .seconds(30)) throws {
        guard !topics.isEmpty else { return }
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            var message = [CChar](repeating: 0, count: 512)
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor,
                                                       &message, message.count) else {
                throw KafkaError(kind: .admin, code: .invalidArgument, message: "\(topic.name): \(String(cString: message))")
            }
            newTopics.append(newTopic)
            for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                try client.check(rd_kafka_NewTopic_set_config(newTopic, key, value), kind: .admin)
            }
        }

        let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var message = [CChar](repeating: 0, count: 512)
        try client.check(rd_kafka_AdminOptions_set_request_timeout(options, timeout.rdKafkaMilliseconds, &message, message.count),
                         kind: .admin)
        try client.check(rd_kafka_AdminOptions_set_operation_timeout(options, timeout.rdKafkaMilliseconds, &message, message.count),
                         kind: .admin)

        let queue = rd_kafka_queue_new(client.handle)
        defer { rd_kafka_queue_destroy(queue) }
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(client.handle, buffer.baseAddress, buffer.count, options, queue)
        }
        // Leave room beyond the request timeout so librdkafka's own timeout error arrives first.
        guard let event = rd_kafka_queue_poll(queue, (timeout + .seconds(5)).rdKafkaMilliseconds) else {
            throw KafkaError(kind: .admin, code: .timedOut, message: "CreateTopics got no answer in time")
        }
        defer { rd_kafka_event_destroy(event) }
        let code = rd_kafka_event_error(event)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw client.error(code, kind: .admin, detail: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(kind: .admin, code: .state, message: "CreateTopics returned an unexpected event")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let topicCode = rd_kafka_topic_result_error(topicResult)
            if topicCode == RD_KAFKA_RESP_ERR_NO_ERROR { continue }
            if ifNotExists && topicCode == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let name = rd_kafka_topic_result_name(topicResult).map { String(cString: $0) } ?? "?"
            let reason = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                ?? String(cString: rd_kafka_err2str(topicCode))
            throw KafkaError(kind: .admin, code: KafkaError.Code(topicCode), message: "\(name): \(reason)")
        }
    }

    /// Number of partitions of `topic`, nil if the cluster does not know it.
    public func partitionCount(topic: String, timeout: Duration = .seconds(10)) throws -> Int? {
        try client.topicPartitionCounts(timeout: timeout)[topic]
    }

    /// Low and high watermarks of one partition.
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

    /// Lag of consumer group `group` on every partition of `topic`.
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
