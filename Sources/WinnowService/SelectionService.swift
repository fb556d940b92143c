import ChatText
import Foundation
import WinnowKafka
import Logging
import Policies
import RewardEngine
import Synchronization

/// `winnow serve`: consumes prompt groups, scores them and publishes one selection per group
/// (or a dead letter), committing input offsets only once the outputs they cover are
/// acknowledged by the broker (at-least-once), or together with those outputs in one Kafka
/// transaction (`exactlyOnce`).
///
/// Data flows one way: record -> `RecordPipeline` (decode, tokenize on its own thread) ->
/// `ScoringQueue` -> `Scorer` (its own thread) -> `RecordPipeline` (decide, outputs) ->
/// `DeliveryStrategy` (publish or transaction) -> `OffsetTracker` -> commit. This type is the
/// lifecycle around it: broker wait, the polling loop, back-pressure, rebalances, drain.
///
/// The consumer thread never waits for tokenization or a forward pass: it keeps polling, pauses
/// its partitions while more than `maxInFlightTokens` are queued or being scored, or more than
/// `maxInFlightBytes` are held by records and undelivered outputs, and resumes them below that,
/// so `max.poll.interval.ms` is never exceeded and memory stays bounded when an output topic is
/// down.
public final class SelectionService: Sendable {
    let configuration: ServiceConfiguration
    private let model: RewardModel
    private let tokenizer: GroupTokenizer
    private let modelIdentity: Selection.ModelIdentity
    let logger: Logger

    private let queue = ScoringQueue()
    let tracker = SharedMutex(OffsetTracker())
    private let stopRequested = Mutex(false)
    /// A fatal producer error: outputs can no longer be delivered, so the service stops.
    let producerFailure = SharedMutex<KafkaError?>(nil)
    private let counters = SharedMutex(Counters())
    /// Prometheus metrics, served by the HTTP front door (`winnow serve --http-address` or
    /// `--metrics-address`).
    public let metrics = Metrics()
    /// Consuming, not draining, and outputs not stalled: what `/readyz` reports.
    private let ready = Mutex(false)
    /// An output has waited longer than `stalledOutputAge`.
    private let outputsStalled = Mutex(false)

    /// Outputs waiting longer than this make `/readyz` answer 503: the service is up but its
    /// outputs are not getting through (an output topic down, deleted or unauthorized).
    static let stalledOutputAge: Duration = .seconds(30)

    /// What happened so far; logged on exit.
    public struct Counters: Sendable, Equatable {
        public var recordsIn = 0
        public var selectionsOut = 0
        public var deadLettered = 0
    }

    public var counts: Counters { counters.withLock { $0 } }

    /// Consuming, not draining, and outputs getting through: what `/readyz` reports for Kafka.
    public var isReady: Bool { ready.withLock { $0 } && !outputsStalled.withLock { $0 } }

    public init(configuration: ServiceConfiguration, model: RewardModel, encoder: ChatEncoder, logger: Logger) {
        self.configuration = configuration
        self.model = model
        self.logger = logger
        tokenizer = GroupTokenizer(encoder: encoder, model: model)
        modelIdentity = Selection.ModelIdentity(name: model.directory.name, revision: model.directory.revision)
    }

    /// Asks the service to drain and stop: no new records are read, queued and in-flight groups
    /// are finished and published, offsets committed. Thread-safe; `run` then returns.
    public func stop() {
        stopRequested.withLock { $0 = true }
    }

    private var isStopping: Bool { stopRequested.withLock { $0 } }

    // MARK: - Running

    /// Runs until `stop()`; returns after draining. Throws on configuration errors and fatal
    /// Kafka errors.
    public func run() throws {
        try configuration.consumerConfiguration.validate()
        try configuration.producerConfiguration.validate()
        guard try waitForBroker() else {
            logger.info("stopped before the broker was reachable")
            return
        }
        let producer = try KafkaProducer(configuration: configuration.producerConfiguration) { [logger, producerFailure] error in
            if error.isFatal {
                logger.critical("producer failed fatally; stopping", metadata: ["error": "\(error)"])
                producerFailure.withLock { $0 = $0 ?? error }
            } else {
                logger.warning("producer error", metadata: ["error": "\(error)"])
            }
        }
        let context = DeliveryContext(tracker: tracker, producer: producer, producerFailure: producerFailure, metrics: metrics,
                                      logger: logger, retryLimit: configuration.outputRetryTimeout)
        let delivery: any DeliveryStrategy = configuration.exactlyOnce
            ? try ExactlyOnceDelivery(context: context, transactionInterval: configuration.transactionInterval)
            : AtLeastOnceDelivery(context: context, commitInterval: configuration.commitInterval)
        let pipeline = RecordPipeline(configuration: configuration, tokenizer: tokenizer, modelIdentity: modelIdentity, queue: queue,
                                      delivery: delivery, tracker: tracker, counters: counters, metrics: metrics, logger: logger)
        let scorer = Scorer(model: model, queue: queue, tokenBudget: model.options.tokenBudget, logger: logger, metrics: metrics) {
            work, result, seconds in
            pipeline.scored(work, result, scoreSeconds: seconds)
        }
        scorer.start()

        let loop = ConsumerLoop()
        let consumer = try KafkaConsumer(configuration: configuration.consumerConfiguration) { [self] event in
            rebalanced(event, loop: loop, delivery: delivery)
        }
        loop.consumer = consumer
        try consumer.subscribe(topics: [configuration.inputTopic])
        logger.info("consuming", metadata: [
            "input_topic": "\(configuration.inputTopic)", "group": "\(configuration.group)",
            "results_topic": "\(configuration.resultsTopic)", "dead_letter_topic": "\(configuration.deadLetterTopic)",
            "model": "\(modelIdentity.name)", "max_inflight_tokens": "\(configuration.maxInFlightTokens)",
            "max_inflight_bytes": "\(configuration.maxInFlightBytes)", "delivery": "\(delivery.name)",
        ])

        ready.withLock { $0 = true }
        var lastCommit = ContinuousClock.now
        var draining = false
        var drainStarted = ContinuousClock.now
        var failure: Error?
        while true {
            if isStopping && !draining {
                draining = true
                drainStarted = .now
                ready.withLock { $0 = false }
                logger.info("draining: no new records; finishing in-flight groups",
                            metadata: ["pending_records": "\(tracker.withLock { $0.pendingCount })"])
                loop.setPaused(true)
            }
            if draining && tracker.withLock({ $0.pendingCount }) == 0 { break }
            if draining && ContinuousClock.now - drainStarted > configuration.drainTimeout {
                // Leave the rest for the partitions' next owner: nothing unfinished is committed.
                let dropped = queue.dropAll()
                logger.warning("drain timeout: leaving unfinished groups uncommitted", metadata: [
                    "pending_records": "\(tracker.withLock { $0.pendingCount })", "dropped_queued_groups": "\(dropped)",
                ])
                break
            }
            if let error = producerFailure.withLock({ $0 }) {
                // Nothing more can be acknowledged: commit what was, leave, and fail.
                failure = error
                break
            }
            do {
                if let message = try consumer.poll(timeout: .milliseconds(100)) {
                    pipeline.handle(message)
                }
            } catch let error as KafkaError where !error.isFatal {
                logger.warning("consumer error", metadata: ["error": "\(error)"])
            } catch {
                logger.critical("consumer failed fatally", metadata: ["error": "\(error)"])
                failure = error
                break
            }
            let load = Load(queue: queue, pipeline: pipeline, delivery: delivery)
            if !draining { applyBackPressure(loop, load: load) }
            if ContinuousClock.now - lastCommit >= delivery.commitInterval {
                delivery.commit(consumer, only: nil)
                updateGauges(loop, load: load)
                outputsStalled.withLock { $0 = load.awaiting.oldestAge > Self.stalledOutputAge }
                lastCommit = .now
            }
        }

        // Everything read is done (or we are failing, or out of drain time): publish what is
        // left, commit, leave.
        pipeline.waitForTokenizing()
        queue.close()
        scorer.waitUntilFinished()
        delivery.finish(consumer)
        do { try consumer.close() } catch {
            logger.warning("leaving the consumer group failed", metadata: ["error": "\(error)"])
        }
        try? producer.close(timeout: .seconds(10))
        let counts = self.counts
        logger.info("stopped", metadata: [
            "records_in": "\(counts.recordsIn)", "selections_out": "\(counts.selectionsOut)",
            "dead_lettered": "\(counts.deadLettered)",
        ])
        if let failure { throw failure }
    }

    /// Waits until the brokers answer and the input topic exists, retrying with backoff (and a
    /// log line per attempt). Returns false if `stop()` came first.
    private func waitForBroker() throws -> Bool {
        // TLS and SASL failures are settings, not outages: librdkafka retries them for ever, so
        // they end the start with the handshake's own message instead of a silent wait.
        let configurationFailure = SharedMutex<KafkaError?>(nil)
        let admin = try KafkaAdmin(configuration: configuration.adminConfiguration) { error in
            if error.code.isConfigurationFailure { configurationFailure.withLock { $0 = $0 ?? error } }
        }
        var delay = 0.5
        var attempt = 1
        while !isStopping {
            admin.reportErrors()
            if let failure = configurationFailure.withLock({ $0 }) {
                throw failure
            }
            do {
                if let partitions = try admin.partitionCount(topic: configuration.inputTopic, timeout: .seconds(5)) {
                    logger.info("broker reachable", metadata: ["brokers": "\(configuration.brokers)",
                                                               "input_partitions": "\(partitions)"])
                    for topic in [configuration.resultsTopic, configuration.deadLetterTopic]
                    where try admin.partitionCount(topic: topic, timeout: .seconds(5)) == nil {
                        // Brokers may create it on first use; if not, outputs are retried and the
                        // input offsets stay uncommitted until it exists.
                        logger.warning("output topic does not exist", metadata: ["topic": "\(topic)"])
                    }
                    return true
                }
                logger.warning("input topic does not exist yet; retrying", metadata: [
                    "input_topic": "\(configuration.inputTopic)", "attempt": "\(attempt)", "retry_in_s": "\(delay)",
                ])
            } catch {
                logger.warning("broker unreachable; retrying", metadata: [
                    "brokers": "\(configuration.brokers)", "attempt": "\(attempt)", "retry_in_s": "\(delay)",
                    "error": "\(error)",
                ])
            }
            let until = ContinuousClock.now + .milliseconds(Int(delay * 1000))
            while ContinuousClock.now < until && !isStopping { Thread.sleep(forTimeInterval: 0.05) }
            delay = min(delay * 2, 30)
            attempt += 1
        }
        return false
    }

    // MARK: - Load, partitions, gauges

    /// What the service holds right now, for back-pressure and gauges.
    struct Load {
        /// Tokens queued or being scored, plus an estimate for records not yet tokenized.
        var tokens: Int
        /// Records being tokenized or scored.
        var workBytes: Int
        /// Outputs awaiting acknowledgement or a transaction (dead letters included).
        var awaiting: (count: Int, bytes: Int, oldestAge: Duration)

        init(queue: ScoringQueue, pipeline: RecordPipeline, delivery: any DeliveryStrategy) {
            // Records waiting for the tokenizer count too, estimated until they are tokenized,
            // so the token budget still bounds what is read ahead of the scorer.
            tokens = queue.inFlightTokens + pipeline.pendingBytes / Self.bytesPerTokenEstimate
            workBytes = queue.inFlightBytes + pipeline.pendingBytes
            awaiting = delivery.awaiting
        }

        var bytes: Int { workBytes + awaiting.bytes }

        /// About four bytes of text per token for English with a BPE vocabulary.
        static let bytesPerTokenEstimate = 4
    }

    private func updateGauges(_ loop: ConsumerLoop, load: Load) {
        metrics.set(.inflightTokens, Double(load.tokens))
        metrics.set(.inflightBytes, Double(load.bytes))
        metrics.set(.outputsAwaitingDelivery, Double(load.awaiting.count))
        metrics.set(.oldestPendingOutputSeconds, load.awaiting.oldestAge.seconds)
        metrics.set(.partitionsPaused, loop.paused ? 1 : 0)
        metrics.set(.pendingRecords, Double(tracker.withLock { $0.pendingCount }))
        metrics.set(.outputsAwaitingTransaction, Double(configuration.exactlyOnce ? load.awaiting.count : 0))
        guard let consumer = loop.consumer, !loop.assigned.isEmpty else { return }
        metrics.clear(.consumerLag)
        // Cheap: the high watermark of the last fetch response and the local position, no requests.
        let positions = (try? consumer.position(Array(loop.assigned))) ?? [:]
        for (partition, position) in positions {
            guard let high = consumer.cachedHighWatermark(topic: partition.topic, partition: partition.partition) else { continue }
            metrics.set(.consumerLag, labels: ["topic": partition.topic, "partition": "\(partition.partition)"],
                        Double(max(0, high - position)))
        }
    }

    /// Pauses the partitions while too much is held: tokens queued or being scored, bytes of
    /// records and undelivered outputs, or outputs waiting (which pile up while an output topic
    /// is down or transactions fail).
    private func applyBackPressure(_ loop: ConsumerLoop, load: Load) {
        let over = load.tokens > configuration.maxInFlightTokens || load.bytes > configuration.maxInFlightBytes
            || load.awaiting.count > Self.maxOutputsAwaiting
        let metadata: Logger.Metadata = [
            "inflight_tokens": "\(load.tokens)", "inflight_bytes": "\(load.bytes)", "awaiting_delivery": "\(load.awaiting.count)",
        ]
        if !loop.paused && over {
            logger.debug("pausing partitions", metadata: metadata)
            loop.setPaused(true)
        } else if loop.paused && !over {
            logger.debug("resuming partitions", metadata: metadata)
            loop.setPaused(false)
        }
    }

    /// Done records whose outputs may wait for delivery or a transaction before reading stops:
    /// far more than one commit interval produces, so only a stalled output topic or failing
    /// commits reach it.
    static let maxOutputsAwaiting = 10_000

    /// Runs inside `poll`, on the consumer thread.
    private func rebalanced(_ event: KafkaRebalanceEvent, loop: ConsumerLoop, delivery: any DeliveryStrategy) {
        switch event {
        case .assigned(let partitions, _):
            tracker.withLock { $0.assign(partitions) }
            loop.assigned.formUnion(partitions)
            logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
            if loop.paused { loop.pause(partitions) }
        case .revoked(let partitions, _, let lost):
            let revoked = Set(partitions)
            let dropped = queue.drop(partitions: revoked)
            if !lost, let consumer = loop.consumer { delivery.commit(consumer, only: revoked) }
            // One critical section: no output of the old generation can be added in between.
            tracker.withLock { tracker in
                delivery.revokeLocked(revoked)
                tracker.revoke(partitions)
            }
            loop.assigned.subtract(partitions)
            logger.info("partitions revoked", metadata: [
                "partitions": "\(partitions.map(\.description))", "lost": "\(lost)", "dropped_groups": "\(dropped)",
            ])
        case .failed(let error):
            logger.warning("rebalance failed; rejoining", metadata: ["error": "\(error)"])
        }
    }
}
