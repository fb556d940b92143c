import CRdKafka

/// Owns one `rd_kafka_t` and the callback context librdkafka points back to.
///
/// Every C pointer that the public types use is created and freed here or in the other `RDKafka*`
/// types, each exactly once. librdkafka handles are thread-safe, so this class is `Sendable`;
/// which *calls* may run concurrently is documented on the public types.
final class RDKafkaClient: @unchecked Sendable {
    enum Role {
        case producer
        case consumer

        var cType: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    let handle: OpaquePointer
    let role: Role
    /// Kept alive for as long as `handle`: librdkafka calls back into it until `rd_kafka_destroy` returns.
    private let callbacks: RDKafkaCallbacks
    private let destroyFlags: Int32

    /// - Parameter skipConsumerClose: destroy without leaving the group (for short-lived helper
    ///   handles that never subscribed).
    init(role: Role, configuration: KafkaConfiguration, callbacks: RDKafkaCallbacks = RDKafkaCallbacks(),
         skipConsumerClose: Bool = false) throws {
        let config = try RDKafkaConfig(configuration)
        callbacks.install(on: config)
        var message = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(role.cType, config.pointer, &message, message.count) else {
            // `config` still owns the conf object and frees it.
            throw KafkaError(kind: .client, code: .invalidArgument, message: String(errorBuffer: message))
        }
        config.adopted()
        self.handle = handle
        self.role = role
        self.callbacks = callbacks
        self.destroyFlags = skipConsumerClose ? 0x8 /* RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE */ : 0
    }

    deinit {
        rd_kafka_destroy_flags(handle, destroyFlags)
    }

    /// The librdkafka version the process runs with, e.g. "2.8.0".
    static var libraryVersion: String { String(cString: rd_kafka_version_str()) }

    /// Serves the events waiting on the main queue (error callbacks among them) without waiting.
    func serveEvents() {
        _ = rd_kafka_poll(handle, 0)
    }

    // MARK: - Errors

    /// A `KafkaError` for a bare error code; for `_FATAL` it reports the underlying fatal error.
    func error(_ code: rd_kafka_resp_err_t, kind: KafkaError.Kind, detail: String? = nil) -> KafkaError {
        if code == RD_KAFKA_RESP_ERR__FATAL, let fatal = fatalError(kind: kind) {
            return fatal
        }
        return KafkaError(kind: kind, code: KafkaError.Code(code),
                          message: detail ?? String(cString: rd_kafka_err2str(code)))
    }

    /// The error that made this client unusable, if one occurred.
    func fatalError(kind: KafkaError.Kind) -> KafkaError? {
        var message = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &message, message.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(kind: kind, code: KafkaError.Code(code), message: String(errorBuffer: message),
                          isFatal: true, isRetriable: false)
    }

    /// Throws the error an `rd_kafka_error_t`-returning call produced, freeing it.
    func check(_ error: OpaquePointer?, kind: KafkaError.Kind) throws {
        if let error { throw KafkaError(consuming: error, kind: kind) }
    }

    func check(_ code: rd_kafka_resp_err_t, kind: KafkaError.Kind) throws {
        if code != RD_KAFKA_RESP_ERR_NO_ERROR { throw error(code, kind: kind) }
    }

    // MARK: - Calls shared by producers, consumers and admin handles

    /// Serves queued callbacks (delivery reports, errors) on the calling thread.
    @discardableResult
    func poll(timeout: Duration) -> Int32 {
        rd_kafka_poll(handle, Int32(timeout.rdKafkaMilliseconds))
    }

    func watermarks(topic: String, partition: Int32, timeout: Duration) throws -> KafkaWatermarks {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high,
                                                    timeout.rdKafkaMilliseconds)
        try check(code, kind: .admin)
        return KafkaWatermarks(low: low, high: high)
    }

    /// Partition count per topic from the cluster metadata (all topics).
    func topicPartitionCounts(timeout: Duration) throws -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(handle, 1, nil, &metadata, timeout.rdKafkaMilliseconds)
        try check(code, kind: .admin)
        guard let metadata else { return [:] }
        defer { rd_kafka_metadata_destroy(metadata) }
        var counts: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR, let name = topic.topic else { continue }
            counts[String(cString: name)] = Int(topic.partition_cnt)
        }
        return counts
    }

    /// The committed offsets of this client's `group.id` for `partitions`; partitions without a
    /// committed offset are left out.
    func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartition: Int64] {
        let list = RDKafkaTopicPartitionList(partitions)
        try check(rd_kafka_committed(handle, list.pointer, timeout.rdKafkaMilliseconds), kind: .commit)
        try list.throwFirstError(kind: .commit, client: self)
        return list.offsets().filter { $0.value >= 0 }
    }
}
