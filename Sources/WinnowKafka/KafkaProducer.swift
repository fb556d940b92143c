import Synchronization

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
public final class KafkaProducer: Sendable {
    public typealias DeliveryHandler = @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    private let client: RDKafkaClient
    private let deliveries: DeliveryRegistry
    private let poller: RDKafkaPollThread
    private let closed = Mutex(false)
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
        let callbacks = RDKafkaCallbacks.reportingErrors(to: errorHandler, resolvingFatal: true)
        callbacks.onDelivery = { opaque, result in deliveries.complete(opaque, result) }
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
        try client.flush(timeout: timeout)
    }

    /// Records enqueued or in flight whose delivery reports have not been served yet, plus other
    /// queued client events (so at least the number of undelivered records).
    public var outstandingCount: Int { client.outgoingQueueLength }

    // MARK: - Transactions

    /// Registers `transactional.id` with the coordinator and fences older producers that use it.
    /// Call once, before the first transaction.
    public func initTransactions(timeout: Duration = .seconds(30)) throws {
        try client.initTransactions(timeout: timeout)
    }

    public func beginTransaction() throws {
        try client.beginTransaction()
    }

    /// Adds a consumer group's offsets to the current transaction: they are committed if and only
    /// if the transaction commits. Offsets are the *next* offsets to read (last processed + 1).
    public func sendOffsetsToTransaction(_ offsets: [KafkaTopicPartition: Int64],
                                         groupMetadata: KafkaConsumerGroupMetadata,
                                         timeout: Duration = .seconds(30)) throws {
        try client.sendOffsetsToTransaction(offsets, groupMetadata: groupMetadata.storage, timeout: timeout)
    }

    /// Flushes the transaction's records and commits it. On an error with
    /// `transactionRequiresAbort` call `abortTransaction()`; on a retriable one, call this again.
    public func commitTransaction(timeout: Duration = .seconds(30)) throws {
        try client.commitTransaction(timeout: timeout)
    }

    /// Aborts the transaction: its records are never visible to `read_committed` consumers.
    public func abortTransaction(timeout: Duration = .seconds(30)) throws {
        try client.abortTransaction(timeout: timeout)
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
            // librdkafka's poll from a delivery handler is not allowed, hence the thread check).
            client.purgeQueuedAndInFlight()
            client.poll(timeout: .zero)
        }
        deliveries.failAll(KafkaError(kind: .closed, code: .destroyed,
                                      message: "the producer was closed before the broker acknowledged the record"))
    }
}

/// Delivery handlers by message id; the id travels through librdkafka as the message opaque.
final class DeliveryRegistry: Sendable {
    private struct State {
        var next: UInt64 = 1
        var closed = false
        var handlers: [UInt64: KafkaProducer.DeliveryHandler] = [:]
    }

    private let state = Mutex(State())

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

    /// Called from the delivery-report callback with the message's opaque (its id); the handler
    /// runs outside the lock.
    func complete(_ opaque: UnsafeMutableRawPointer?, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        guard let opaque, let handler = take(UInt64(UInt(bitPattern: opaque))) else { return }
        handler(result)
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
