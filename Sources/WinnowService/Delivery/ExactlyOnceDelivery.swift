import Foundation
import Synchronization
import WinnowKafka

/// Exactly-once: a record is done as soon as its outputs are made; the outputs wait in
/// `TransactionalOutputs` and go out in one Kafka transaction with the input offsets they
/// answer, every `commitInterval`.
///
/// One bad record never holds the others back: an output the producer refuses for good (or
/// after `retryLimit` of transient failures) is replaced by its record's dead letter and the
/// transaction is retried without it; should the dead letter be refused too, only its own
/// partition stops short of it (retried every `blockedRetry`), while every other partition
/// keeps committing.
final class ExactlyOnceDelivery: DeliveryStrategy {
    let name = "exactly-once"
    let commitInterval: Duration
    private let context: DeliveryContext
    private let outputs = TransactionalOutputs()
    /// Partitions whose dead letter at this offset could not be produced, until when.
    private let blocked = Mutex<[KafkaTopicPartition: (offset: Int64, until: ContinuousClock.Instant)]>([:])
    static let blockedRetry: Duration = .seconds(5)

    init(context: DeliveryContext, transactionInterval: Duration) throws {
        self.context = context
        commitInterval = transactionInterval
        do { try context.producer.initTransactions() } catch {
            throw KafkaError(kind: .transaction, code: (error as? KafkaError)?.code ?? .fatal,
                             message: "--exactly-once: the broker did not start a transactional producer: \(error)", isFatal: true)
        }
    }

    func emit(_ outputs: RecordOutputs) {
        // One lock for the ownership check, the append and the completion: a revocation
        // (`revokeLocked`, under the same lock) comes wholly before or after, never between.
        context.tracker.withLock { tracker in
            guard tracker.isCurrent(outputs.partition, generation: outputs.generation) else { return }
            self.outputs.add(outputs)
            tracker.complete(outputs.partition, offset: outputs.offset, generation: outputs.generation)
        }
    }

    func revokeLocked(_ partitions: Set<KafkaTopicPartition>) {
        outputs.drop(partitions: partitions)
        blocked.withLock { blocked in for partition in partitions { blocked[partition] = nil } }
    }

    /// One transaction: the outputs of every record below the committable offsets, and the
    /// offsets themselves. On failure it is aborted; outputs refused for good are replaced by
    /// dead letters, and the next commit tries again. A fatal error (a fenced producer) stops
    /// the service.
    func commit(_ consumer: KafkaConsumer, only: Set<KafkaTopicPartition>?) {
        let (taken, generations) = context.tracker.withLock { ($0.takeCommittable(only: only), $0.generations) }
        guard !taken.isEmpty else { return }
        let offsets = cappedAtBlockedDeadLetters(taken)
        guard !offsets.isEmpty else { return }
        let entries = outputs.entries(below: offsets, generations: generations)
        let producer = context.producer
        // Per entry, the first final failure its records met (from produce or a delivery report,
        // which may come after this call returns: hence a class, not a local Mutex).
        let failures = SharedMutex<[Int: KafkaError]>([:])
        @Sendable func note(_ index: Int, _ error: KafkaError) {
            failures.withLock { failures in
                if failures[index].map({ !$0.isPermanentDeliveryFailure }) ?? true { failures[index] = error }
            }
        }
        do {
            try producer.beginTransaction()
            for (index, entry) in entries.enumerated() {
                for record in entry.outputs.records {
                    do {
                        try produceInTransaction(record, producer: producer) { result in
                            if case .failure(let error) = result { note(index, error) }
                        }
                    } catch let error as KafkaError where error.isPermanentDeliveryFailure {
                        note(index, error)
                        throw error
                    }
                }
            }
            try producer.sendOffsetsToTransaction(offsets, groupMetadata: try consumer.groupMetadata())
            try producer.commitTransaction()
        } catch {
            context.tracker.withLock { $0.uncommit(taken) }
            let kafkaError = error as? KafkaError
            if kafkaError?.isFatal ?? false {
                context.logger.critical("transactional producer failed fatally; stopping", metadata: ["error": "\(error)"])
                context.producerFailure.withLock { $0 = $0 ?? kafkaError }
                return
            }
            context.logger.warning("transaction failed; aborting, will retry", metadata: ["error": "\(error)"])
            do { try producer.abortTransaction() } catch {
                context.logger.critical("aborting the transaction failed; stopping", metadata: ["error": "\(error)"])
                context.producerFailure.withLock { $0 = $0 ?? (error as? KafkaError) ?? kafkaError }
                return
            }
            // The aborted records' delivery reports, so every failure is known before deciding.
            try? producer.flush(timeout: .seconds(2))
            replaceUndeliverable(entries, failures: failures.withLock { $0 })
            return
        }
        outputs.remove(below: offsets)
        for entry in entries { entry.outputs.onDelivered() }
        context.metrics.increment(.transactionsCommitted)
        context.logger.debug("transaction committed", metadata: [
            "offsets": "\(DeliveryContext.describe(offsets))", "outputs": "\(entries.count)",
        ])
    }

    /// Entries whose records met a permanent error, or transient ones for longer than the retry
    /// limit, become their dead letters; a dead letter that met one blocks its partition at it.
    private func replaceUndeliverable(_ entries: [TransactionalOutputs.Entry], failures: [Int: KafkaError]) {
        for (index, error) in failures.sorted(by: { $0.key < $1.key }) {
            let entry = entries[index]
            let expired = ContinuousClock.now - entry.added >= context.retryLimit
            guard error.isPermanentDeliveryFailure || expired else { continue }
            if let replacement = entry.outputs.replacement {
                context.logger.warning("an output cannot be produced; dead-lettering its record", metadata: [
                    "partition": "\(entry.outputs.partition)", "offset": "\(entry.outputs.offset)", "error": "\(error)",
                ])
                outputs.replace(entry, with: replacement(error))
            } else {
                context.logger.error("a dead letter cannot be produced; its partition waits at it", metadata: [
                    "partition": "\(entry.outputs.partition)", "offset": "\(entry.outputs.offset)", "error": "\(error)",
                    "retry_in_s": "\(Self.blockedRetry.seconds)",
                ])
                blocked.withLock { $0[entry.outputs.partition] = (entry.outputs.offset, .now + Self.blockedRetry) }
            }
        }
    }

    /// `offsets` with every blocked partition held at its blocked record (dropped when that
    /// leaves nothing new); partitions whose block expired are tried in full again.
    private func cappedAtBlockedDeadLetters(_ taken: [KafkaTopicPartition: Int64]) -> [KafkaTopicPartition: Int64] {
        let now = ContinuousClock.now
        let blocks = blocked.withLock { blocked in
            blocked = blocked.filter { $0.value.until > now }
            return blocked
        }
        guard !blocks.isEmpty else { return taken }
        var offsets = taken
        var heldBack: [KafkaTopicPartition: Int64] = [:]
        for (partition, block) in blocks {
            guard let offset = offsets[partition], offset > block.offset else { continue }
            heldBack[partition] = offset
            offsets[partition] = block.offset
        }
        // The tracker must hand the full offsets out again once the block is gone.
        context.tracker.withLock { $0.uncommit(heldBack) }
        return offsets.filter { partition, offset in
            heldBack[partition] == nil || !outputs.entries(below: [partition: offset], generations: context.tracker.withLock { $0.generations }).isEmpty
        }
    }

    /// Produces into the open transaction, waiting for room when the local queue is full.
    private func produceInTransaction(_ record: KafkaProducerMessage, producer: KafkaProducer,
                                      onDelivery: @escaping KafkaProducer.DeliveryHandler) throws {
        var attempts = 0
        while true {
            do {
                try producer.produce(record, onDelivery: onDelivery)
                return
            } catch let error as KafkaError where error.code == .queueFull && attempts < 100 {
                attempts += 1
                try producer.flush(timeout: .milliseconds(100))
            }
        }
    }

    func finish(_ consumer: KafkaConsumer) {
        guard context.producerFailure.withLock({ $0 }) == nil else { return }
        commit(consumer, only: nil)
    }

    var awaiting: (count: Int, bytes: Int, oldestAge: Duration) {
        let totals = outputs.totals
        return (totals.count, totals.bytes, outputs.oldestAge)
    }
}
