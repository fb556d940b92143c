import Foundation
import Logging
import Synchronization
import WinnowKafka

/// Publishes output records and reports, once per call, whether the broker acknowledged all of
/// them or one failed for good.
///
/// A record that could not be enqueued (full queue) or was not delivered (after librdkafka's own
/// retries, `message.timeout.ms`) is produced again with backoff, but not forever when the call
/// sets `giveUpAfter`: a permanent error (`KafkaError.isPermanentDeliveryFailure`: too large,
/// unknown or unauthorized topic) fails it at once, a transient one once it is that old. Without
/// `giveUpAfter` (dead letters, which have nothing to fall back on) it is retried until the
/// producer closes, and its input offset stays uncommitted meanwhile.
public final class Publisher: Sendable {
    /// How a `publish` call ended.
    public enum Outcome: Sendable {
        case delivered
        case failed(KafkaError)
    }

    private let producer: KafkaProducer
    private let logger: Logger
    private let retryQueue = DispatchQueue(label: "winnow.publisher.retry")
    /// Calls not yet finished: when each started and the bytes it holds.
    private let pending = Mutex<(next: UInt64, calls: [UInt64: (started: ContinuousClock.Instant, bytes: Int)])>((1, [:]))

    public init(producer: KafkaProducer, logger: Logger) {
        self.producer = producer
        self.logger = logger
    }

    /// Produces every message; `completion` runs once, on the producer's poll thread or the
    /// retry queue: `.delivered` when the broker has all of them, `.failed` with the first final
    /// error otherwise (the others may or may not have been delivered).
    public func publish(_ messages: [KafkaProducerMessage], giveUpAfter: Duration?,
                        completion: @escaping @Sendable (Outcome) -> Void) {
        guard !messages.isEmpty else { return completion(.delivered) }
        let bytes = messages.reduce(0) { $0 + $1.approximateSize }
        let started = ContinuousClock.now
        let id = pending.withLock { state in
            defer { state.next += 1 }
            state.calls[state.next] = (started, bytes)
            return state.next
        }
        let outstanding = SharedMutex((count: messages.count, failure: KafkaError?.none))
        for message in messages {
            publish(message, started: started, attempt: 1, giveUpAfter: giveUpAfter) { [self] failure in
                let finished = outstanding.withLock { state -> Outcome? in
                    state.count -= 1
                    if state.failure == nil { state.failure = failure }
                    guard state.count == 0 else { return nil }
                    return state.failure.map(Outcome.failed) ?? .delivered
                }
                guard let finished else { return }
                pending.withLock { _ = $0.calls.removeValue(forKey: id) }
                completion(finished)
            }
        }
    }

    /// Bytes of the calls not yet finished (queued, in flight or waiting to be retried).
    public var pendingBytes: Int { pending.withLock { $0.calls.values.reduce(0) { $0 + $1.bytes } } }

    /// Calls not yet finished.
    public var pendingCount: Int { pending.withLock { $0.calls.count } }

    /// How long the oldest unfinished call has waited; zero when none is waiting.
    public var oldestPendingAge: Duration {
        let oldest = pending.withLock { $0.calls.values.map(\.started).min() }
        return oldest.map { ContinuousClock.now - $0 } ?? .zero
    }

    /// One message; `finished` gets nil when it was delivered, the error when it failed for good.
    private func publish(_ message: KafkaProducerMessage, started: ContinuousClock.Instant, attempt: Int,
                         giveUpAfter: Duration?, finished: @escaping @Sendable (KafkaError?) -> Void) {
        do {
            try producer.produce(message) { [self] result in
                switch result {
                case .success:
                    finished(nil)
                case .failure(let error) where error.kind == .closed:
                    logger.warning("output not delivered before the producer closed", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
                case .failure(let error):
                    retryOrFail(message, started: started, attempt: attempt, error: error, giveUpAfter: giveUpAfter, finished: finished)
                }
            }
        } catch let error as KafkaError where error.kind == .closed {
            logger.warning("output dropped: the producer is closed", metadata: ["topic": "\(message.topic)"])
        } catch {
            let kafkaError = error as? KafkaError ?? KafkaError(kind: .delivery, code: .fatal, message: "\(error)")
            retryOrFail(message, started: started, attempt: attempt, error: kafkaError, giveUpAfter: giveUpAfter, finished: finished)
        }
    }

    private func retryOrFail(_ message: KafkaProducerMessage, started: ContinuousClock.Instant, attempt: Int, error: KafkaError,
                             giveUpAfter: Duration?, finished: @escaping @Sendable (KafkaError?) -> Void) {
        let age = ContinuousClock.now - started
        if let giveUpAfter, error.isPermanentDeliveryFailure || age >= giveUpAfter {
            logger.warning("output undeliverable; giving up on it", metadata: [
                "topic": "\(message.topic)", "attempt": "\(attempt)", "age_s": "\(age.seconds)", "error": "\(error)",
            ])
            return finished(error)
        }
        // A permanent error with nowhere to fall back (a dead letter) waits longer between tries.
        let cap = error.isPermanentDeliveryFailure ? 30.0 : 5.0
        let delay = min(cap, 0.05 * pow(2.0, Double(min(attempt, 10))))
        // A full local queue is routine under load; anything else is worth a line.
        if error.code != .queueFull || attempt % 50 == 0 {
            logger.log(level: error.isPermanentDeliveryFailure ? .error : .warning, "producing failed; retrying", metadata: [
                "topic": "\(message.topic)", "attempt": "\(attempt)", "retry_in_s": "\(delay)", "error": "\(error)",
            ])
        }
        retryQueue.asyncAfter(deadline: .now() + delay) { [self] in
            publish(message, started: started, attempt: attempt + 1, giveUpAfter: giveUpAfter, finished: finished)
        }
    }

    /// Waits for every outstanding delivery (not for retries still waiting on their backoff).
    public func flush(timeout: Duration) throws {
        try producer.flush(timeout: timeout)
    }

    public func close(timeout: Duration) throws {
        try producer.close(timeout: timeout)
    }
}
