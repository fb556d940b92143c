import WinnowKafka

/// Committing done offsets: after acknowledged outputs (at-least-once), or in one transaction
/// with those outputs (exactly-once).
extension SelectionService {
    /// Commits the offsets of done records: directly (at-least-once: their outputs are
    /// acknowledged), or in a transaction with their outputs (exactly-once).
    func commit(_ loop: ConsumerLoop, only: Set<KafkaTopicPartition>? = nil) {
        guard let consumer = loop.consumer else { return }
        let offsets = tracker.withLock { $0.takeCommittable(only: only) }
        guard !offsets.isEmpty else { return }
        if configuration.exactlyOnce, let producer = loop.producer {
            commitTransaction(offsets, consumer: consumer, producer: producer)
            return
        }
        do {
            try consumer.commit(offsets)
            logger.debug("committed", metadata: ["offsets": "\(Self.describe(offsets))"])
        } catch {
            tracker.withLock { $0.uncommit(offsets) }
            logger.warning("commit failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// One transaction: the outputs of every record below `offsets`, and the offsets themselves.
    /// On failure it is aborted and retried at the next commit with the same outputs; a fatal
    /// error (a fenced producer) stops the service.
    private func commitTransaction(_ offsets: [KafkaTopicPartition: Int64], consumer: KafkaConsumer, producer: KafkaProducer) {
        let entries = transactional.entries(below: offsets)
        do {
            try producer.beginTransaction()
            for record in entries.flatMap(\.records) { try produceInTransaction(record, producer: producer) }
            try producer.sendOffsetsToTransaction(offsets, groupMetadata: try consumer.groupMetadata())
            try producer.commitTransaction()
        } catch {
            tracker.withLock { $0.uncommit(offsets) }
            let kafkaError = error as? KafkaError
            if kafkaError?.isFatal ?? false {
                logger.critical("transactional producer failed fatally; stopping", metadata: ["error": "\(error)"])
                producerFailure.withLock { $0 = $0 ?? kafkaError }
                return
            }
            logger.warning("transaction failed; aborting, will retry", metadata: ["error": "\(error)"])
            do { try producer.abortTransaction() } catch {
                logger.critical("aborting the transaction failed; stopping", metadata: ["error": "\(error)"])
                producerFailure.withLock { $0 = $0 ?? (error as? KafkaError) ?? kafkaError }
            }
            return
        }
        transactional.remove(below: offsets)
        for entry in entries { entry.onCommitted() }
        metrics.increment("winnow_transactions_committed_total")
        logger.debug("transaction committed", metadata: ["offsets": "\(Self.describe(offsets))", "outputs": "\(entries.count)"])
    }

    /// Produces into the open transaction, waiting for room when the local queue is full.
    private func produceInTransaction(_ record: KafkaProducerMessage, producer: KafkaProducer) throws {
        var attempts = 0
        while true {
            do {
                try producer.produce(record) { _ in }  // commitTransaction reports failed deliveries
                return
            } catch let error as KafkaError where error.code == .queueFull && attempts < 100 {
                attempts += 1
                try producer.flush(timeout: .milliseconds(100))
            }
        }
    }

    private static func describe(_ offsets: [KafkaTopicPartition: Int64]) -> String {
        offsets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
