import Foundation
import WinnowKafka

/// At-least-once: outputs are produced as soon as they are made (training rows, then the
/// selection or dead letter); a record is done once the broker acknowledged all of them, and offsets are committed up to the last record done with
/// every record before it. A crash repeats at most what was published after the last commit.
final class AtLeastOnceDelivery: DeliveryStrategy {
    let name = "at-least-once"
    let commitInterval: Duration
    private let context: DeliveryContext
    private let publisher: Publisher

    init(context: DeliveryContext, commitInterval: Duration) {
        self.context = context
        self.commitInterval = commitInterval
        publisher = Publisher(producer: context.producer, logger: context.logger)
    }

    func emit(_ outputs: RecordOutputs) {
        // The training rows first, the outcome record (selection or dead letter) only once they
        // are in: a row the broker refuses then dead-letters the record before any selection is
        // out, so the record still has exactly one outcome.
        let giveUpAfter = outputs.isDeadLetter ? nil : context.retryLimit  // a dead letter has no fallback
        let (outcome, rows) = (outputs.records.prefix(1), Array(outputs.records.dropFirst()))
        publisher.publish(rows, giveUpAfter: giveUpAfter) { [self] rowsOutcome in
            guard case .delivered = rowsOutcome else { return fail(outputs, rowsOutcome) }
            publisher.publish(Array(outcome), giveUpAfter: giveUpAfter) { [self] outcomeOutcome in
                guard case .delivered = outcomeOutcome else { return fail(outputs, outcomeOutcome) }
                outputs.onDelivered()
                context.done(outputs)
            }
        }
    }

    private func fail(_ outputs: RecordOutputs, _ outcome: Publisher.Outcome) {
        guard case .failed(let error) = outcome, let replacement = outputs.replacement else { return }
        emit(replacement(error))
    }

    func commit(_ consumer: KafkaConsumer, only: Set<KafkaTopicPartition>?) {
        let offsets = context.tracker.withLock { $0.takeCommittable(only: only) }
        guard !offsets.isEmpty else { return }
        do {
            try consumer.commit(offsets)
            context.logger.debug("committed", metadata: ["offsets": "\(DeliveryContext.describe(offsets))"])
        } catch {
            context.tracker.withLock { $0.uncommit(offsets) }
            context.logger.warning("commit failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    func revokeLocked(_ partitions: Set<KafkaTopicPartition>) {}

    func finish(_ consumer: KafkaConsumer) {
        do { try publisher.flush(timeout: .seconds(30)) } catch {
            context.logger.error("flushing the producer failed", metadata: ["error": "\(error)"])
        }
        commit(consumer, only: nil)
    }

    var awaiting: (count: Int, bytes: Int, oldestAge: Duration) {
        (publisher.pendingCount, publisher.pendingBytes, publisher.oldestPendingAge)
    }
}
