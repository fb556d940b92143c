import ChatText
import Foundation
import Logging
import Policies
import RewardEngine
import Synchronization
import WinnowKafka

/// What happens to one input record, apart from the consumer's lifecycle: decode and tokenize
/// (on a tokenizing thread of its own, so a heavy record never delays polls, heartbeats or
/// rebalances), queue for the scorer, decide, and hand exactly one `RecordOutputs` (a selection
/// with its training rows, or a dead letter) to the delivery strategy.
final class RecordPipeline: Sendable {
    private let configuration: ServiceConfiguration
    private let decoder: PromptGroupDecoder
    private let tokenizer: GroupTokenizer
    private let modelIdentity: Selection.ModelIdentity
    private let limits: OutputLimits
    private let queue: ScoringQueue
    private let delivery: any DeliveryStrategy
    private let tracker: SharedMutex<OffsetTracker>
    private let counters: SharedMutex<SelectionService.Counters>
    private let metrics: Metrics
    private let logger: Logger
    private let tokenizing = SerialWorkThread(name: "winnow-tokenize")
    /// Bytes of records handed to the tokenizing thread and not yet queued or dead-lettered.
    private let tokenizingBytes = Mutex(0)

    init(configuration: ServiceConfiguration, tokenizer: GroupTokenizer, modelIdentity: Selection.ModelIdentity,
         queue: ScoringQueue, delivery: any DeliveryStrategy, tracker: SharedMutex<OffsetTracker>,
         counters: SharedMutex<SelectionService.Counters>, metrics: Metrics, logger: Logger) {
        self.configuration = configuration
        decoder = PromptGroupDecoder(maxCandidates: configuration.maxCandidates, defaultPolicy: configuration.policy)
        self.tokenizer = tokenizer
        self.modelIdentity = modelIdentity
        limits = OutputLimits(producerConfiguration: configuration.producerConfiguration)
        self.queue = queue
        self.delivery = delivery
        self.tracker = tracker
        self.counters = counters
        self.metrics = metrics
        self.logger = logger
    }

    /// Bytes held before the scorer: records waiting for or in tokenization.
    var pendingBytes: Int { tokenizingBytes.withLock { $0 } }

    /// Waits until every record handed to `handle` is queued or dead-lettered.
    func waitForTokenizing() { tokenizing.waitUntilIdle() }

    // MARK: - Records in

    /// On the consumer thread: registers the record with the tracker (so its offset is held
    /// until it has its outcome) and hands it to the tokenizing thread.
    func handle(_ message: KafkaMessage) {
        let receivedAt = ContinuousClock.now
        let source = RecordSource(topic: message.topic, partition: message.partition, offset: message.offset)
        let generation = tracker.withLock { $0.start(message.topicPartition, offset: message.offset) }
        counters.withLock { $0.recordsIn += 1 }
        metrics.increment(.recordsConsumed)
        let size = (message.value?.count ?? 0) + (message.key?.count ?? 0)
        tokenizingBytes.withLock { $0 += size }
        let (key, value) = (message.key, message.value)
        tokenizing.submit { [self] in
            defer { tokenizingBytes.withLock { $0 -= size } }
            // A partition revoked meanwhile: its next owner reads the record again.
            guard tracker.withLock({ $0.isCurrent(source.partitionKey, generation: generation) }) else { return }
            let decoded = decoder.decode(value).map(capped)
            switch decoded.flatMap({ tokenizer.tokenize($0) }) {
            case .success(let group):
                queue.push(ScoringWork(tokenized: group, source: source, key: key, original: value,
                                       generation: generation, receivedAt: receivedAt))
            case .failure(let letter):
                let groupID = try? decoded.get().groupID
                delivery.emit(deadLetter(letter, original: value, key: key, source: source, groupID: groupID,
                                         generation: generation))
            }
        }
    }

    /// The group with the deployment's caps applied to its policy: a record may ask for fewer
    /// pairs than the deployment allows, never more.
    private func capped(_ group: PromptGroup) -> PromptGroup {
        guard var pairs = group.policy.pairs else { return group }
        pairs.maxPairs = min(pairs.maxPairs ?? .max, configuration.maxPairsPerGroup)
        var group = group
        group.policy.pairs = pairs
        return group
    }

    // MARK: - Results out

    /// On the scoring thread: the group's outputs, or its dead letter.
    func scored(_ work: ScoringWork, _ result: Result<[Float], DeadLetter>, scoreSeconds: Double) {
        guard tracker.withLock({ $0.isCurrent(work.partition, generation: work.generation) }) else {
            // The partition was revoked while this group was scored; its new owner reads it again.
            logger.debug("dropping the result of a revoked partition", metadata: ["group_id": "\(work.tokenized.group.groupID)"])
            return
        }
        let group = work.tokenized.group
        switch result {
        case .success(let scores):
            delivery.emit(selectionOutputs(work, scores: scores, scoreSeconds: scoreSeconds))
        case .failure(let letter):
            delivery.emit(deadLetter(letter, original: work.original, key: work.key, source: work.source,
                                     groupID: group.groupID, generation: work.generation))
        }
    }

    private func selectionOutputs(_ work: ScoringWork, scores: [Float], scoreSeconds: Double) -> RecordOutputs {
        let group = work.tokenized.group
        @Sendable func letter(_ letter: DeadLetter, producerError: String? = nil) -> RecordOutputs {
            deadLetter(letter, original: work.original, key: work.key, source: work.source, groupID: group.groupID,
                       generation: work.generation, producerError: producerError)
        }
        let selection: Selection
        do {
            selection = try Selection(group: group, scores: scores, numTokens: work.tokenized.numTokens,
                                      responseTokens: work.tokenized.responseTokens)
        } catch {
            let reason: DeadLetter.Reason = switch error {
            case .nonFiniteScore, .nonFiniteReward: .nonFiniteScore
            default: .internalError
            }
            return letter(DeadLetter(reason, "group \(group.groupID): \(error)"))
        }
        let timings = Selection.Timings(tokenizeMilliseconds: work.tokenized.tokenizeSeconds * 1000,
                                        scoreMilliseconds: scoreSeconds * 1000,
                                        totalMilliseconds: (ContinuousClock.now - work.receivedAt).seconds * 1000)
        let value = selection.json(model: modelIdentity, metadata: group.metadata, source: work.source, timings: timings)
        let key = Array(group.groupID.utf8)
        var records = [KafkaProducerMessage(topic: configuration.resultsTopic, key: key, value: Array(value.utf8))]
        let training = TrainingRecords(group: group, selection: selection, model: modelIdentity)
        let samples = configuration.sftTopic.map { topic in
            training.sftSamples.prefix(configuration.maxSFTRowsPerGroup).map { KafkaProducerMessage(topic: topic, key: key, value: Array($0.utf8)) }
        } ?? []
        let pairs = configuration.pairsTopic.map { topic in
            training.preferencePairs.prefix(configuration.maxPairsPerGroup).map { KafkaProducerMessage(topic: topic, key: key, value: Array($0.utf8)) }
        } ?? []
        records += samples + pairs
        if let tooLarge = records.first(where: { !limits.fits($0) }) {
            let what = tooLarge.topic == configuration.resultsTopic ? "selection" : "output to \(tooLarge.topic)"
            return letter(DeadLetter(.outputTooLarge, "group \(group.groupID): its \(what) is \(tooLarge.approximateSize) bytes; the producer's message.max.bytes is \(limits.maxMessageBytes)"))
        }
        metrics.increment(.candidatesScored, by: Double(scores.count))
        metrics.increment(.tokensScored, by: Double(work.tokenized.computedTokens))
        if let outcome = selection.decision.rejection?.kind {
            metrics.increment(.rejectionOutcomes, labels: ["outcome": outcome.rawValue])
        }
        let (counters, metrics) = (counters, metrics)
        let (sampleCount, pairCount) = (samples.count, pairs.count)
        return RecordOutputs(partition: work.partition, offset: work.source.offset, generation: work.generation, records: records,
                             onDelivered: {
                                 counters.withLock { $0.selectionsOut += 1 }
                                 metrics.increment(.groupsScored)
                                 metrics.increment(.sftSamples, by: Double(sampleCount))
                                 metrics.increment(.preferencePairs, by: Double(pairCount))
                             },
                             replacement: { error in
                                 let reason: DeadLetter.Reason = error.isRecordTooLarge ? .outputTooLarge : .outputRejected
                                 return letter(DeadLetter(reason, "group \(group.groupID): the producer could not deliver its outputs: \(error)"),
                                               producerError: error.code.name)
                             })
    }

    /// A record's dead letter, within the producer's size limit whatever the record's size.
    func deadLetter(_ letter: DeadLetter, original: [UInt8]?, key: [UInt8]?, source: RecordSource, groupID: String?,
                    generation: UInt64, producerError: String? = nil) -> RecordOutputs {
        logger.warning("dead-lettering a record", metadata: [
            "reason": "\(letter.reason.rawValue)", "message": "\(String(letter.message.prefix(500)))",
            "topic": "\(source.topic)", "partition": "\(source.partition)", "offset": "\(source.offset)",
        ])
        // An oversized key would make the dead letter oversized too: its digest stands in.
        let recordKey = key.map { $0.count > OutputLimits.maxDeadLetterKeyBytes ? Array(SHA256.hex($0).utf8) : $0 }
        let value = letter.json(original: original, key: key, source: source, groupID: groupID, producerError: producerError,
                                maxBytes: limits.maxValueBytes(keyBytes: recordKey?.count ?? 0))
        let record = KafkaProducerMessage(topic: configuration.deadLetterTopic, key: recordKey, value: Array(value.utf8))
        let (counters, metrics, reason) = (counters, metrics, letter.reason.rawValue)
        return RecordOutputs(partition: source.partitionKey, offset: source.offset, generation: generation, records: [record],
                             onDelivered: {
                                 counters.withLock { $0.deadLettered += 1 }
                                 metrics.increment(.groupsDeadLettered, labels: ["reason": reason])
                             },
                             replacement: nil)
    }
}

extension RecordSource {
    var partitionKey: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}
