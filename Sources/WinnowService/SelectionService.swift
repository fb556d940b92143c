import ChatText
import Foundation
import WinnowKafka
import Logging
import Policies
import RewardEngine

/// `winnow serve`: consumes prompt groups, scores them and publishes one selection per group
/// (or a dead letter), committing input offsets only once the outputs they cover are
/// acknowledged by the broker (at-least-once), or together with those outputs in one Kafka
/// transaction (`exactlyOnce`).
///
/// Data flows one way: record -> `PromptGroupDecoder` -> `GroupTokenizer` (on the consumer
/// thread) -> `ScoringQueue` -> `Scorer` (its own thread) -> `Selection` -> `Publisher` ->
/// `OffsetTracker` -> commit (back on the consumer thread).
///
/// The consumer thread never waits for a forward pass: it keeps polling, pauses its partitions
/// while more than `maxInFlightTokens` are queued or being scored and resumes them below that,
/// so `max.poll.interval.ms` is never exceeded.
public final class SelectionService: @unchecked Sendable {
    let configuration: ServiceConfiguration
    private let model: RewardModel
    private let decoder: PromptGroupDecoder
    private let tokenizer: GroupTokenizer
    private let modelIdentity: Selection.ModelIdentity
    let logger: Logger

    private let queue = ScoringQueue()
    let tracker = Locked(OffsetTracker())
    private let stopRequested = Locked(false)
    /// A fatal producer error: outputs can no longer be delivered, so the service stops.
    let producerFailure = Locked<KafkaError?>(nil)
    private let counters = Locked(Counters())
    /// Exactly-once mode: outputs waiting for the transaction that commits their input offsets.
    let transactional = TransactionalOutputs()
    /// Prometheus metrics, served by the HTTP front door (`winnow serve --http-address` or
    /// `--metrics-address`).
    public let metrics = Metrics()
    /// Consuming and not draining: what `/readyz` reports.
    private let ready = Locked(false)

    /// What happened so far; logged on exit.
    public struct Counters: Sendable, Equatable {
        public var recordsIn = 0
        public var selectionsOut = 0
        public var deadLettered = 0
    }

    public var counts: Counters { counters.withLock { $0 } }

    /// Consuming and not draining: what `/readyz` reports for the Kafka front door.
    public var isReady: Bool { ready.withLock { $0 } }

    public init(configuration: ServiceConfiguration, model: RewardModel, encoder: ChatEncoder, logger: Logger) {
        self.configuration = configuration
        self.model = model
        self.logger = logger
        decoder = PromptGroupDecoder(maxCandidates: configuration.maxCandidates, defaultPolicy: configuration.policy)
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
        if configuration.exactlyOnce {
            do { try producer.initTransactions() } catch {
                throw KafkaError(kind: .transaction, code: (error as? KafkaError)?.code ?? .fatal,
                                 message: "--exactly-once: the broker did not start a transactional producer: \(error)", isFatal: true)
            }
            logger.info("exactly-once: outputs and offsets commit in transactions", metadata: [
                "transactional_id": "\(configuration.producerConfiguration["transactional.id"] ?? "")",
                "interval": "\(configuration.transactionInterval)",
            ])
        }
        let publisher = Publisher(producer: producer, logger: logger)
        let scorer = Scorer(model: model, queue: queue, tokenBudget: model.options.tokenBudget, logger: logger, metrics: metrics) {
            [self] work, result, seconds in
            scored(work, result, scoreSeconds: seconds, publisher: publisher)
        }
        scorer.start()

        let loop = ConsumerLoop()
        let consumer = try KafkaConsumer(configuration: configuration.consumerConfiguration) { [self] event in
            rebalanced(event, loop: loop)
        }
        loop.consumer = consumer
        loop.producer = producer
        try consumer.subscribe(topics: [configuration.inputTopic])
        logger.info("consuming", metadata: [
            "input_topic": "\(configuration.inputTopic)", "group": "\(configuration.group)",
            "results_topic": "\(configuration.resultsTopic)", "dead_letter_topic": "\(configuration.deadLetterTopic)",
            "model": "\(modelIdentity.name)", "max_inflight_tokens": "\(configuration.maxInFlightTokens)",
            "delivery": "\(configuration.exactlyOnce ? "exactly-once" : "at-least-once")",
        ])

        ready.withLock { $0 = true }
        var lastCommit = ContinuousClock.now
        let commitInterval = configuration.exactlyOnce ? configuration.transactionInterval : configuration.commitInterval
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
                    handle(message, publisher: publisher)
                }
            } catch let error as KafkaError where !error.isFatal {
                logger.warning("consumer error", metadata: ["error": "\(error)"])
            } catch {
                logger.critical("consumer failed fatally", metadata: ["error": "\(error)"])
                failure = error
                break
            }
            if !draining { applyBackPressure(loop) }
            if ContinuousClock.now - lastCommit >= commitInterval {
                commit(loop)
                updateGauges(loop)
                lastCommit = .now
            }
        }

        // Everything read is done (or we are failing, or out of drain time): publish what is
        // left, commit, leave.
        queue.close()
        scorer.waitUntilFinished()
        if !configuration.exactlyOnce {
            do { try publisher.flush(timeout: .seconds(30)) } catch {
                logger.error("flushing the producer failed", metadata: ["error": "\(error)"])
            }
        }
        if producerFailure.withLock({ $0 }) == nil || !configuration.exactlyOnce { commit(loop) }
        do { try consumer.close() } catch {
            logger.warning("leaving the consumer group failed", metadata: ["error": "\(error)"])
        }
        try? publisher.close(timeout: .seconds(10))
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
        let admin = try KafkaAdmin(configuration: configuration.adminConfiguration)
        var delay = 0.5
        var attempt = 1
        while !isStopping {
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

    // MARK: - Records in

    private func handle(_ message: KafkaMessage, publisher: Publisher) {
        let receivedAt = ContinuousClock.now
        let source = RecordSource(topic: message.topic, partition: message.partition, offset: message.offset)
        let partition = message.topicPartition
        let generation = tracker.withLock { $0.start(partition, offset: message.offset) }
        counters.withLock { $0.recordsIn += 1 }
        metrics.increment("winnow_records_consumed_total")

        let tokenized = decoder.decode(message.value).flatMap { tokenizer.tokenize($0) }
        switch tokenized {
        case .success(let group):
            queue.push(ScoringWork(tokenized: group, source: source, key: message.key, original: message.value,
                                   generation: generation, receivedAt: receivedAt))
        case .failure(let letter):
            let groupID = try? decoder.decode(message.value).get().groupID
            deadLetter(letter, original: message.value, key: message.key, source: source, groupID: groupID,
                       generation: generation, publisher: publisher)
        }
    }

    // MARK: - Results out

    /// Runs on the scoring thread.
    private func scored(_ work: ScoringWork, _ result: Result<[Float], DeadLetter>, scoreSeconds: Double,
                        publisher: Publisher) {
        guard tracker.withLock({ $0.isCurrent(work.partition, generation: work.generation) }) else {
            // The partition was revoked while this group was scored; its new owner reads it again.
            logger.debug("dropping the result of a revoked partition", metadata: ["group_id": "\(work.tokenized.group.groupID)"])
            return
        }
        let group = work.tokenized.group
        switch result {
        case .success(let scores):
            let selection: Selection
            do {
                selection = try Selection(group: group, scores: scores, numTokens: work.tokenized.numTokens,
                                          responseTokens: work.tokenized.responseTokens)
            } catch {
                let reason: DeadLetter.Reason = switch error {
                case .nonFiniteScore, .nonFiniteReward: .nonFiniteScore
                default: .internalError
                }
                deadLetter(DeadLetter(reason, "group \(group.groupID): \(error)"), original: work.original, key: work.key,
                           source: work.source, groupID: group.groupID, generation: work.generation, publisher: publisher)
                return
            }
            let timings = Selection.Timings(tokenizeMilliseconds: work.tokenized.tokenizeSeconds * 1000,
                                            scoreMilliseconds: scoreSeconds * 1000,
                                            totalMilliseconds: (ContinuousClock.now - work.receivedAt).seconds * 1000)
            let value = selection.json(model: modelIdentity, metadata: group.metadata, source: work.source, timings: timings)
            var records = [KafkaProducerMessage(topic: configuration.resultsTopic, key: group.groupID, value: value)]
            let training = TrainingRecords(group: group, selection: selection, model: modelIdentity)
            let samples = configuration.sftTopic.map { topic in
                training.sftSamples.map { KafkaProducerMessage(topic: topic, key: group.groupID, value: $0) }
            } ?? []
            let pairs = configuration.pairsTopic.map { topic in
                training.preferencePairs.map { KafkaProducerMessage(topic: topic, key: group.groupID, value: $0) }
            } ?? []
            records += samples + pairs
            metrics.increment("winnow_candidates_scored_total", by: Double(scores.count))
            metrics.increment("winnow_tokens_scored_total", by: Double(work.tokenized.computedTokens))
            if let outcome = selection.decision.rejection?.kind {
                metrics.increment("winnow_rejection_outcomes_total", labels: ["outcome": outcome.rawValue])
            }
            emit(records, partition: work.partition, offset: work.source.offset, generation: work.generation,
                 publisher: publisher) { [self] in
                counters.withLock { $0.selectionsOut += 1 }
                metrics.increment("winnow_groups_scored_total")
                metrics.increment("winnow_sft_samples_total", by: Double(samples.count))
                metrics.increment("winnow_preference_pairs_total", by: Double(pairs.count))
            }
        case .failure(let letter):
            deadLetter(letter, original: work.original, key: work.key, source: work.source, groupID: group.groupID,
                       generation: work.generation, publisher: publisher)
        }
    }

    private func deadLetter(_ letter: DeadLetter, original: [UInt8]?, key: [UInt8]?, source: RecordSource,
                            groupID: String?, generation: UInt64, publisher: Publisher) {
        logger.warning("dead-lettering a record", metadata: [
            "reason": "\(letter.reason.rawValue)", "message": "\(letter.message)",
            "topic": "\(source.topic)", "partition": "\(source.partition)", "offset": "\(source.offset)",
        ])
        let value = letter.json(original: original, key: key, source: source, groupID: groupID)
        let record = KafkaProducerMessage(topic: configuration.deadLetterTopic, key: key, value: Array(value.utf8))
        let partition = KafkaTopicPartition(topic: source.topic, partition: source.partition)
        emit([record], partition: partition, offset: source.offset, generation: generation, publisher: publisher) { [self] in
            counters.withLock { $0.deadLettered += 1 }
            metrics.increment("winnow_groups_dead_lettered_total", labels: ["reason": letter.reason.rawValue])
        }
    }

    /// Sends one input record's outputs. At-least-once: produced now, and the record is done
    /// once the broker acknowledged all of them. Exactly-once: the record is done now and its
    /// outputs wait for the transaction that commits its offset. `delivered` runs when the
    /// outputs are acknowledged or committed.
    private func emit(_ records: [KafkaProducerMessage], partition: KafkaTopicPartition, offset: Int64, generation: UInt64,
                      publisher: Publisher, delivered: @escaping @Sendable () -> Void) {
        if configuration.exactlyOnce {
            guard tracker.withLock({ $0.isCurrent(partition, generation: generation) }) else { return }
            transactional.add(partition, offset: offset, records: records, onCommitted: delivered)
            done(partition, offset: offset, generation: generation)
        } else {
            publisher.publish(records) { [self] in
                delivered()
                done(partition, offset: offset, generation: generation)
            }
        }
    }

    private func done(_ partition: KafkaTopicPartition, offset: Int64, generation: UInt64) {
        tracker.withLock { _ = $0.complete(partition, offset: offset, generation: generation) }
    }

    // MARK: - Partitions, gauges (commits: SelectionService+Commit.swift)

    private func updateGauges(_ loop: ConsumerLoop) {
        metrics.set("winnow_inflight_tokens", Double(queue.inFlightTokens))
        metrics.set("winnow_partitions_paused", loop.paused ? 1 : 0)
        metrics.set("winnow_pending_records", Double(tracker.withLock { $0.pendingCount }))
        metrics.set("winnow_outputs_awaiting_transaction", Double(transactional.count))
        guard let consumer = loop.consumer, !loop.assigned.isEmpty else { return }
        metrics.clearGauge("winnow_consumer_lag")
        // Cheap: the high watermark of the last fetch response and the local position, no requests.
        let positions = (try? consumer.position(Array(loop.assigned))) ?? [:]
        for (partition, position) in positions {
            guard let high = consumer.cachedHighWatermark(topic: partition.topic, partition: partition.partition) else { continue }
            metrics.set("winnow_consumer_lag", labels: ["topic": partition.topic, "partition": "\(partition.partition)"],
                        Double(max(0, high - position)))
        }
    }

    /// Pauses the partitions while too much is in flight: tokens queued or being scored, or (with
    /// exactly-once) outputs waiting for a transaction, which pile up while commits fail.
    private func applyBackPressure(_ loop: ConsumerLoop) {
        let inFlight = queue.inFlightTokens
        let waiting = configuration.exactlyOnce ? transactional.count : 0
        let over = inFlight > configuration.maxInFlightTokens || waiting > Self.maxOutputsAwaitingTransaction
        if !loop.paused && over {
            logger.debug("pausing partitions", metadata: ["inflight_tokens": "\(inFlight)", "awaiting_transaction": "\(waiting)"])
            loop.setPaused(true)
        } else if loop.paused && !over {
            logger.debug("resuming partitions", metadata: ["inflight_tokens": "\(inFlight)", "awaiting_transaction": "\(waiting)"])
            loop.setPaused(false)
        }
    }

    /// Done records whose outputs may wait for a transaction before reading stops: far more than
    /// one commit interval produces, so only failing commits reach it.
    static let maxOutputsAwaitingTransaction = 10_000

    /// Runs inside `poll`, on the consumer thread.
    private func rebalanced(_ event: KafkaRebalanceEvent, loop: ConsumerLoop) {
        switch event {
        case .assigned(let partitions, _):
            tracker.withLock { $0.assign(partitions) }
            loop.assigned.formUnion(partitions)
            logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
            if loop.paused { loop.pause(partitions) }
        case .revoked(let partitions, _, let lost):
            let revoked = Set(partitions)
            let dropped = queue.drop(partitions: revoked)
            if !lost { commit(loop, only: revoked) }
            transactional.drop(partitions: revoked)
            tracker.withLock { $0.revoke(partitions) }
            loop.assigned.subtract(partitions)
            logger.info("partitions revoked", metadata: [
                "partitions": "\(partitions.map(\.description))", "lost": "\(lost)", "dropped_groups": "\(dropped)",
            ])
        case .failed(let error):
            logger.warning("rebalance failed; rejoining", metadata: ["error": "\(error)"])
        }
    }
}
