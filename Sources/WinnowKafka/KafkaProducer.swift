import CRdKafka

/// Produces records to Kafka through librdkafka, with a delivery report per record.
///
/// Idempotent by default (`enable.idempotence=true` unless the configuration says otherwise):
/// retries never duplicate or reorder records within a partition. With `transactional.id` set it
/// is also transactional: call `initTransactions()` once, then wrap records (and, for
/// consume-transform-produce, the consumer's offsets) in `beginTransaction()` ...
/// `commitTransaction()`.
///
/// Threading: `produce`/`send`, `flush` and the read-only properties may be called from any
/// thread concurrently. The transactional calls block and must not overlap each other (librdkafka
/// rejects that with `_PREV_IN_PROGRESS`/`_STATE`). Delivery handlers run on the producer's poll
/// thread, one at a time, in the order librdkafka acknowledges; keep them short. Release or
/// `close()` the producer from a thread other than a delivery handler to wait for the poll thread.
public final class KafkaProducer: @unchecked Sendable {
    public typealias DeliveryHandler = @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    private let client: RDKafkaClient
    private let deliveries: DeliveryRegistry
    private let poller: RDKafkaPollThread
    private let closed = Locked(false)
    /// Whether `transactional.id` is configured.
    public let isTransactional: Bool

    /// - Parameters:
    ///   - configuration: librdkafka properties; at least `bootstrap.servers`.
    ///   - errorHandler: client-level errors (brokers down, fatal idempotence errors), called on
    ///     the poll thread. Without one, librdkafka logs them to stderr.
    public init(configuration: KafkaConfiguration,
                errorHandler: (@Sendable (KafkaError) -> Void)? = nil) throws {
        var configuration = configuration
        if configuration["enable.idempotence"] == nil { configuration["enable.idempotence"] = "true" }
        isTransactional = configuration["transactional.id"] != nil

        let deliveries = DeliveryRegistry()
        let callbacks = RDKafkaCallbacks()
        callbacks.onDelivery = { message in deliveries.complete(message) }
        if let errorHandler {
            callbacks.onError = { handle, code, reason in
                var fatalMessage = [CChar](repeating: 0, count: 512)
                if code == RD_KAFKA_RESP_ERR__FATAL {
                    let underlying = rd_kafka_fatal_error(handle, &fatalMessage, fatalMessage.count)
                    errorHandler(KafkaError(kind: .client, code: KafkaError.Code(underlying),
                                            message: String(cString: fatalMessage), isFatal: true))
                } else {
                    errorHandler(KafkaError(kind: .client, code: KafkaError.Code(code), message: reason))
                }
            }
        }
        client = try RDKafkaClient(role: .producer, configuration: configuration, callbacks: callbacks)
        self.deliveries = deliveries
        poller = RDKafkaPollThread(client: client, name: "kafka-producer-poll")
    }

    deinit {
        shutDown()
    }

    // MARK: - Producing

    /// Enqueues `message`; `onDelivery` is called once, on the poll thread, with the broker's
    /// acknowledgement or the reason the record was not delivered.
    ///
    /// Throws (and never calls `onDelivery`) when the record cannot be enqueued, e.g. `.queueFull`
    /// (retriable: wait for deliveries, then try again) or an unknown topic/partition.
    public func produce(_ message: KafkaProducerMessage, onDelivery: @escaping DeliveryHandler) throws {
        // The registry refuses new handlers once closing failed the pending ones, so every
        // handler it accepted is called exactly once.
        guard let id = deliveries.register(onDelivery) else {
            throw KafkaError(kind: .closed, code: .destroyed, message: "the producer is closed")
        }
        do {
            try client.produce(message, opaque: UnsafeMutableRawPointer(bitPattern: UInt(id)))
        } catch {
            _ = deliveries.take(id)
            throw error
        }
    }

    /// Produces `message` and waits for the broker's acknowledgement.
    @discardableResult
    public func send(_ message: KafkaProducerMessage) async throws -> KafkaDeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try produce(message) { continuation.resume(with: $0) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Waits until every enqueued record has its delivery report (and its handler has run), or
    /// throws `.timedOut`.
    public func flush(timeout: Duration) throws {
        try client.check(rd_kafka_flush(client.handle, timeout.rdKafkaMilliseconds), kind: .delivery)
    }

    /// `rd_kafka_outq_len`: records enqueued or in flight whose delivery reports have not been
    /// served yet, plus other queued client events (so at least the number of undelivered records).
    public var outstandingCount: Int { Int(rd_kafka_outq_len(client.handle)) }

    // MARK: - Transactions

    /// Registers `transactional.id` with the coordinator and fences older producers that use it.
    /// Call once, before the first transaction.
    public func initTransactions(timeout: Duration = .seconds(30)) throws {
        try client.check(rd_kafka_init_transactions(client.handle, timeout.rdKafkaMilliseconds), kind: .transaction)
    }

    public func beginTransaction() throws {
        try client.check(rd_kafka_begin_transaction(client.handle), kind: .transaction)
    }

    /// Adds a consumer group's offsets to the current transaction: they are committed if and only
    /// if the transaction commits. Offsets are the *next* offsets to read (last processed + 1).
    public func sendOffsetsToTransaction(_ offsets: [KafkaTopicPartition: Int64],
                                         groupMetadata: KafkaConsumerGroupMetadata,
                                         timeout: Duration = .seconds(30)) throws {
        let list = RDKafkaTopicPartitionList(offsets)
        try client.check(rd_kafka_send_offsets_to_transaction(client.handle, list.pointer, groupMetadata.pointer,
                                                              timeout.rdKafkaMilliseconds),
                         kind: .transaction)
    }

    /// Flushes the transaction's records and commits it. On an error with
    /// `transactionRequiresAbort` call `abortTransaction()`; on a retriable one, call this again.
    public func commitTransaction(timeout: Duration = .seconds(30)) throws {
        try client.check(rd_kafka_commit_transaction(client.handle, timeout.rdKafkaMilliseconds), kind: .transaction)
    }

    /// Aborts the transaction: its records are never visible to `read_committed` consumers.
    public func abortTransaction(timeout: Duration = .seconds(30)) throws {
        try client.check(rd_kafka_abort_transaction(client.handle, timeout.rdKafkaMilliseconds), kind: .transaction)
    }

    // MARK: - Closing

    /// Waits up to `timeout` for outstanding deliveries, then stops the producer. Records still
    /// undelivered get a failed delivery report (kind `.closed` or a purge code). Idempotent.
    public func close(timeout: Duration = .seconds(10)) throws {
        guard !closed.withLock({ $0 }) else { return }
        let flushError: Error?
        do { try flush(timeout: timeout); flushError = nil } catch { flushError = error }
        shutDown()
        if let flushError { throw flushError }
    }

    private func shutDown() {
        let wasClosed = closed.withLock { flag -> Bool in
            defer { flag = true }
            return flag
        }
        guard !wasClosed else { return }
        let onPollThread = poller.isCurrentThread
        poller.stop()
        if !onPollThread {
            // Fail what is still queued through librdkafka's own reports (re-entering
            // rd_kafka_poll from a delivery handler is not allowed, hence the thread check).
            rd_kafka_purge(client.handle, 0x1 | 0x2 /* RD_KAFKA_PURGE_F_QUEUE | _INFLIGHT */)
            client.poll(timeout: .zero)
        }
        deliveries.failAll(KafkaError(kind: .closed, code: .destroyed,
                                      message: "the producer was closed before the broker acknowledged the record"))
    }
}

/// Delivery handlers by message id; the id travels through librdkafka as the message opaque.
final class DeliveryRegistry: @unchecked Sendable {
    private let state = Locked((next: UInt64(1), closed: false, handlers: [UInt64: KafkaProducer.DeliveryHandler]()))

    /// A fresh id for `handler`, or nil once `failAll` has run.
    func register(_ handler: @escaping KafkaProducer.DeliveryHandler) -> UInt64? {
        state.withLock { state in
            guard !state.closed else { return nil }
            let id = state.next
            state.next += 1
            state.handlers[id] = handler
            return id
        }
    }

    func take(_ id: UInt64) -> KafkaProducer.DeliveryHandler? {
        state.withLock { $0.handlers.removeValue(forKey: id) }
    }

    /// Called from the delivery-report callback; the handler runs outside the lock.
    func complete(_ message: UnsafePointer<rd_kafka_message_t>) {
        guard let opaque = message.pointee._private,
              let handler = take(UInt64(UInt(bitPattern: opaque))) else { return }
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR_NO_ERROR {
            handler(.success(RDKafkaMessage.deliveryReport(message)))
        } else {
            let report = RDKafkaMessage.deliveryReport(message)
            handler(.failure(KafkaError(kind: .delivery, code: KafkaError.Code(code),
                                        message: "\(report.topicPartition): \(String(cString: rd_kafka_err2str(code)))")))
        }
    }

    /// Fails every pending handler and refuses new ones.
    func failAll(_ error: KafkaError) {
        let handlers = state.withLock { state -> [KafkaProducer.DeliveryHandler] in
            defer { state.handlers.removeAll(); state.closed = true }
            return state.handlers.sorted { $0.key < $1.key }.map(\.value)
        }
        for handler in handlers { handler(.failure(error)) }
    }
}
