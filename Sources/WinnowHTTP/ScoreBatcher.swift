import Foundation
import RewardEngine
import Synchronization

/// Dynamic batching for the HTTP front door: sequences from concurrent requests that arrive
/// within `window` of each other (up to `batchTokens` tokens) are scored in one call to the
/// model, and sequences that share a prefix — whichever request they came from — are scored as
/// one group, the prefix computed once (`PrefixGrouping`, the engine's longest-common-prefix
/// clustering).
///
/// RLHF trainers send one sample per request, so a GRPO group of 8 arrives as 8 requests that
/// share a prompt: batched, the prompt's tokens go through the model once instead of 8 times.
///
/// Scoring runs on a thread of its own (a forward pass can take seconds and uses every compute
/// thread); requests wait on a continuation. The queue is bounded in requests: beyond
/// `maxQueuedRequests`, `submit` refuses at once (503) rather than let latency grow without end.
public final class ScoreBatcher: Sendable {
    /// What a request gets back: one score per sequence, in order, and where its time went.
    public struct Scored: Sendable {
        public var scores: [Float]
        public var queueSeconds: Double
        public var inferenceSeconds: Double
    }

    public struct Settings: Sendable {
        /// How long the first request of a batch waits for others (when the model is idle).
        public var window: Duration
        /// Most tokens (as sent, before prefix sharing) taken into one batch.
        public var batchTokens: Int
        /// Requests waiting to be scored beyond which new ones are refused with 503.
        public var maxQueuedRequests: Int
        /// Shortest prefix two sequences must share to be scored as a group.
        public var minimumSharedPrefix: Int

        public init(window: Duration = .milliseconds(25), batchTokens: Int = 16384, maxQueuedRequests: Int = 1024,
                    minimumSharedPrefix: Int = 16) {
            self.window = window
            self.batchTokens = batchTokens
            self.maxQueuedRequests = maxQueuedRequests
            self.minimumSharedPrefix = minimumSharedPrefix
        }
    }

    /// One request's sequences and the continuation that waits for their scores.
    private struct Pending {
        var sequences: [[Int32]]
        var tokens: Int
        var enqueued: ContinuousClock.Instant
        var ticket: Ticket
        var endpoint: String
    }

    private struct State {
        var pending: [Pending] = []
        var closed = false
    }

    private let model: RewardModel
    private let settings: Settings
    private let metrics: HTTPMetrics
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    public init(model: RewardModel, settings: Settings, metrics: HTTPMetrics) {
        self.model = model
        self.settings = settings
        self.metrics = metrics
        let thread = Thread { [self] in run() }
        thread.name = "winnow-http-batcher"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Scores `sequences` (already validated against the model's vocabulary and length limit)
    /// with whatever else arrives meanwhile. Throws `APIError` 503 when the queue is full or
    /// closed, and `CancellationError` when the calling task is cancelled (a timeout) before its
    /// batch starts.
    func submit(_ sequences: [[Int32]], endpoint: String) async throws -> Scored {
        let ticket = Ticket()
        let tokens = sequences.reduce(0) { $0 + $1.count }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Scored, any Error>) in
                guard ticket.attach(continuation) else { return }
                let refusal = state.withLock { state -> APIError? in
                    if state.closed { return APIError.draining }
                    if state.pending.count >= settings.maxQueuedRequests { return APIError.overloaded(retryAfter: 1) }
                    state.pending.append(Pending(sequences: sequences, tokens: tokens, enqueued: .now, ticket: ticket, endpoint: endpoint))
                    metrics.setQueueSize(state.pending.count)
                    return nil
                }
                if let refusal { ticket.resume(with: .failure(refusal)) } else { wakeUp.signal() }
            }
        } onCancel: {
            ticket.resume(with: .failure(CancellationError()))
        }
    }

    /// Refuses new work, lets the scoring thread finish what is queued, and waits for it.
    public func close() {
        state.withLock { $0.closed = true }
        wakeUp.signal()
        finished.wait()
        finished.signal()  // for any other caller of close
    }

    // MARK: - The scoring thread

    private func run() {
        defer { finished.signal() }
        while true {
            wakeUp.wait()
            while let batch = takeBatch() { score(batch) }
            if state.withLock({ $0.closed && $0.pending.isEmpty }) { return }
        }
    }

    /// Waits out the window for the oldest request (unless the batch is already full or the
    /// batcher is closing), then takes requests in arrival order up to the token cap, skipping
    /// those whose callers gave up. Nil when nothing is queued.
    private func takeBatch() -> [Pending]? {
        let wait = state.withLock { state -> Duration? in
            guard let oldest = state.pending.first else { return nil }
            let queued = state.pending.reduce(0) { $0 + $1.tokens }
            if state.closed || queued >= settings.batchTokens { return .zero }
            return max(.zero, settings.window - (ContinuousClock.now - oldest.enqueued))
        }
        guard let wait else { return nil }
        if wait > .zero { Thread.sleep(forTimeInterval: wait.seconds) }
        return state.withLock { state -> [Pending]? in
            state.pending.removeAll { $0.ticket.isFinished }
            guard !state.pending.isEmpty else { return nil }
            var tokens = 0, count = 0
            for item in state.pending {
                if count > 0 && tokens + item.tokens > settings.batchTokens { break }
                tokens += item.tokens
                count += 1
            }
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            metrics.setQueueSize(state.pending.count)
            return batch
        }
    }

    private func score(_ batch: [Pending]) {
        let start = ContinuousClock.now
        let sequences = batch.flatMap(\.sequences)
        // Clusters of sequences that share a prefix, across requests; each becomes one group.
        let clusters = PrefixGrouping.groups(sequences, minimumSharedPrefix: settings.minimumSharedPrefix)
        let groups = clusters.map { ScoringGroup(sequences: $0.map { sequences[$0] }) }
        let result: Result<[Float], any Error> = Result {
            let grouped = try model.score(groups: groups)
            var scores = [Float](repeating: .nan, count: sequences.count)
            for (cluster, groupScores) in zip(clusters, grouped) {
                for (index, score) in zip(cluster, groupScores) { scores[index] = score }
            }
            return scores
        }
        let inference = (ContinuousClock.now - start).seconds
        let sent = sequences.reduce(0) { $0 + $1.count }
        let computed = groups.reduce(0) { $0 + $1.computedTokens }
        metrics.observeBatch(requests: batch.count, sequences: sequences.count, tokens: computed,
                             prefixTokensReused: sent - computed, seconds: inference)
        var offset = 0
        for item in batch {
            let queue = (start - item.enqueued).seconds
            switch result {
            case .success(let scores):
                let mine = Array(scores[offset..<offset + item.sequences.count])
                metrics.observeTimes(endpoint: item.endpoint, queueSeconds: queue, inferenceSeconds: inference)
                item.ticket.resume(with: .success(Scored(scores: mine, queueSeconds: queue, inferenceSeconds: inference)))
            case .failure(let error):
                item.ticket.resume(with: .failure(APIError.internalError("scoring failed: \(error)")))
            }
            offset += item.sequences.count
        }
    }
}

/// A continuation resumed exactly once, by whichever comes first: the scores, a refusal, or the
/// caller's cancellation (which may even come before the continuation exists).
private final class Ticket: Sendable {
    private enum State {
        case waiting(CheckedContinuation<ScoreBatcher.Scored, any Error>?)
        case finished
    }

    private let state = Mutex(State.waiting(nil))

    /// Stores the continuation; false (and the continuation resumed with cancellation) when the
    /// caller was cancelled first.
    func attach(_ continuation: CheckedContinuation<ScoreBatcher.Scored, any Error>) -> Bool {
        let attached = state.withLock { state -> Bool in
            guard case .waiting = state else { return false }
            state = .waiting(continuation)
            return true
        }
        if !attached { continuation.resume(throwing: CancellationError()) }
        return attached
    }

    func resume(with result: Result<ScoreBatcher.Scored, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<ScoreBatcher.Scored, any Error>?? in
            guard case .waiting(let continuation) = state else { return nil }
            state = .finished
            return .some(continuation)
        }
        // Cancelled before attaching: `attach` sees `.finished` and resumes the continuation itself.
        if case .some(.some(let continuation)) = continuation { continuation.resume(with: result) }
    }

    var isFinished: Bool {
        state.withLock { if case .finished = $0 { return true } else { return false } }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
