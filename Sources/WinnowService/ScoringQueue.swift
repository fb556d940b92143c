import Foundation
import WinnowKafka

/// A group waiting to be scored, with what the publisher needs afterwards.
public struct ScoringWork: Sendable {
    public var tokenized: TokenizedGroup
    public var source: RecordSource
    public var key: [UInt8]?
    /// The record value, kept for a dead letter should scoring fail.
    public var original: [UInt8]?
    /// The partition's generation when the record was read (see `OffsetTracker`).
    public var generation: UInt64
    public var receivedAt: ContinuousClock.Instant

    public var partition: KafkaTopicPartition { KafkaTopicPartition(topic: source.topic, partition: source.partition) }

    /// Memory the work holds, roughly: the record, the decoded group (about as large) and the
    /// token ids. What byte back-pressure counts.
    public var bytes: Int { (original?.count ?? 0) * 2 + tokenized.scoring.computedTokens * MemoryLayout<Int32>.size }
}

/// Groups waiting for the scoring thread, counted in tokens.
///
/// `inFlightTokens` counts queued groups and the batch being scored; the consumer loop compares
/// it with its budget to pause and resume partitions (the queue itself never blocks the
/// producer side, so the loop keeps polling). Thread-safe.
///
/// `@unchecked Sendable`: every stored `var` is only read or written with `condition` locked
/// (the scorer waits on the condition, so its lock, not a `Mutex`, guards the state).
public final class ScoringQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [ScoringWork] = []
    private var queuedTokens = 0
    private var scoringTokens = 0
    private var heldBytes = 0
    private var closed = false

    public init() {}

    public func push(_ work: ScoringWork) {
        condition.lock(); defer { condition.unlock() }
        items.append(work)
        queuedTokens += work.tokenized.computedTokens
        heldBytes += work.bytes
        condition.signal()
    }

    /// Waits for work and takes the oldest groups up to `tokenBudget` computed tokens (always at
    /// least one group). Returns nil once closed and empty.
    func takeBatch(tokenBudget: Int) -> [ScoringWork]? {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        var tokens = 0, count = 0
        while count < items.count {
            let next = items[count].tokenized.computedTokens
            if count > 0 && tokens + next > tokenBudget { break }
            tokens += next
            count += 1
        }
        let batch = Array(items.prefix(count))
        items.removeFirst(count)
        queuedTokens -= tokens
        scoringTokens += tokens
        return batch
    }

    /// The batch taken last is scored (its results handed to the publisher).
    func finish(_ batch: [ScoringWork]) {
        condition.lock(); defer { condition.unlock() }
        scoringTokens -= batch.reduce(0) { $0 + $1.tokenized.computedTokens }
        heldBytes -= batch.reduce(0) { $0 + $1.bytes }
        condition.broadcast()
    }

    /// Drops queued groups of `partitions` (revoked); returns how many were dropped.
    @discardableResult
    public func drop(partitions: Set<KafkaTopicPartition>) -> Int {
        condition.lock(); defer { condition.unlock() }
        let before = items.count
        items.removeAll { work in
            guard partitions.contains(work.partition) else { return false }
            queuedTokens -= work.tokenized.computedTokens
            heldBytes -= work.bytes
            return true
        }
        return before - items.count
    }

    /// Drops every queued group (a drain out of time); the batch being scored finishes. Returns
    /// how many were dropped.
    @discardableResult
    public func dropAll() -> Int {
        condition.lock(); defer { condition.unlock() }
        let dropped = items.count
        heldBytes -= items.reduce(0) { $0 + $1.bytes }
        items.removeAll()
        queuedTokens = 0
        return dropped
    }

    /// Tokens queued or being scored.
    public var inFlightTokens: Int {
        condition.lock(); defer { condition.unlock() }
        return queuedTokens + scoringTokens
    }

    /// Bytes held by queued groups and the batch being scored (`ScoringWork.bytes`).
    public var inFlightBytes: Int {
        condition.lock(); defer { condition.unlock() }
        return heldBytes
    }

    /// Groups queued, not counting the batch being scored.
    public var queuedCount: Int {
        condition.lock(); defer { condition.unlock() }
        return items.count
    }

    /// Lets the scoring thread finish what is queued, then stop.
    public func close() {
        condition.lock(); defer { condition.unlock() }
        closed = true
        condition.broadcast()
    }
}
