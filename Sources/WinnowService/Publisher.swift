import Foundation
import WinnowKafka
import Logging

/// Publishes output records and calls back once the broker acknowledged each one.
///
/// At-least-once needs every output acknowledged before its input offset is committed, so a
/// record that cannot be enqueued (full queue) or was not delivered (after librdkafka's own
/// retries, `message.timeout.ms`) is produced again with backoff instead of being given up;
/// its input offset stays uncommitted meanwhile. Only closing the producer ends the retries.
public final class Publisher: @unchecked Sendable {
    private let producer: KafkaProducer
    private let logger: Logger
    private let retryQueue = DispatchQueue(label: "winnow.publisher.retry")

    public init(producer: KafkaProducer, logger: Logger) {
        self.producer = producer
        self.logger = logger
    }

    /// Produces `message`; `onAcknowledged` runs once, on the producer's poll thread, when the
    /// broker has it. Never throws: failures are retried.
    public func publish(_ message: KafkaProducerMessage, attempt: Int = 1, onAcknowledged: @escaping @Sendable () -> Void) {
        do {
            try producer.produce(message) { [self] result in
                switch result {
                case .success:
                    onAcknowledged()
                case .failure(let error) where error.kind == .closed:
                    logger.warning("output not delivered before the producer closed", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
                case .failure(let error):
                    retry(message, attempt: attempt, error: error, onAcknowledged: onAcknowledged)
                }
            }
        } catch let error as KafkaError where error.kind == .closed {
            logger.warning("output dropped: the producer is closed", metadata: ["topic": "\(message.topic)"])
        } catch {
            retry(message, attempt: attempt, error: error, onAcknowledged: onAcknowledged)
        }
    }

    /// Produces every message; `onAcknowledged` runs once, when the broker has all of them (at
    /// once for an empty list).
    public func publish(_ messages: [KafkaProducerMessage], onAcknowledged: @escaping @Sendable () -> Void) {
        guard !messages.isEmpty else { return onAcknowledged() }
        let outstanding = Locked(messages.count)
        for message in messages {
            publish(message) {
                let last = outstanding.withLock { count -> Bool in
                    count -= 1
                    return count == 0
                }
                if last { onAcknowledged() }
            }
        }
    }

    private func retry(_ message: KafkaProducerMessage, attempt: Int, error: Error,
                       onAcknowledged: @escaping @Sendable () -> Void) {
        let delay = min(5.0, 0.05 * pow(2.0, Double(min(attempt, 10))))
        // A full local queue is routine under load; anything else is worth a warning.
        let queueFull = (error as? KafkaError)?.code == .queueFull
        if !queueFull || attempt % 50 == 0 {
            logger.warning("producing failed; retrying", metadata: [
                "topic": "\(message.topic)", "attempt": "\(attempt)", "retry_in_s": "\(delay)", "error": "\(error)",
            ])
        }
        retryQueue.asyncAfter(deadline: .now() + delay) { [self] in
            publish(message, attempt: attempt + 1, onAcknowledged: onAcknowledged)
        }
    }

    /// Waits for every outstanding delivery (including pending retries' deliveries).
    public func flush(timeout: Duration) throws {
        try producer.flush(timeout: timeout)
    }

    public func close(timeout: Duration) throws {
        try producer.close(timeout: timeout)
    }
}
