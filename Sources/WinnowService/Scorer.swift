import Foundation
import Logging
import RewardEngine

/// The dedicated scoring thread: takes batches of groups from the queue, runs the forward
/// passes (which use every compute thread of the model) and hands each group's scores on.
///
/// Forward passes can take seconds; they never run on the consumer's thread, which keeps
/// polling meanwhile.
public final class Scorer: Sendable {
    /// One group's scores (one per candidate, all finite) or why it has none.
    public typealias Completion = @Sendable (ScoringWork, Result<[Float], DeadLetter>, _ scoreSeconds: Double) -> Void

    private let model: RewardModel
    private let queue: ScoringQueue
    private let tokenBudget: Int
    private let logger: Logger
    private let onScored: Completion
    private let finished = DispatchSemaphore(value: 0)
    private let metrics: Metrics?

    public init(model: RewardModel, queue: ScoringQueue, tokenBudget: Int, logger: Logger, metrics: Metrics? = nil,
                onScored: @escaping Completion) {
        self.metrics = metrics
        self.model = model
        self.queue = queue
        self.tokenBudget = tokenBudget
        self.logger = logger
        self.onScored = onScored
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "winnow-scorer"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits until the queue was closed and everything in it scored.
    public func waitUntilFinished() { finished.wait() }

    private func run() {
        defer { finished.signal() }
        while let batch = queue.takeBatch(tokenBudget: tokenBudget) {
            let start = ContinuousClock.now
            let results: [Result<[Float], DeadLetter>]
            do {
                let scores = try model.score(groups: batch.map(\.tokenized.scoring))
                // Non-finite scores are refused where the policy reads them (`Selection`).
                results = scores.map { .success($0) }
            } catch {
                // Every sequence was validated when it was tokenized, so this is the engine's fault.
                logger.error("scoring failed", metadata: ["error": "\(error)", "groups": "\(batch.count)"])
                results = batch.map { _ in .failure(DeadLetter(.internalError, "scoring failed: \(error)")) }
            }
            let seconds = (ContinuousClock.now - start).seconds
            metrics?.observe(.batchGroups, Double(batch.count))
            metrics?.observe(.forwardSeconds, seconds)
            logger.debug("scored batch", metadata: [
                "groups": "\(batch.count)",
                "tokens": "\(batch.reduce(0) { $0 + $1.tokenized.computedTokens })",
                "seconds": "\(seconds)",
            ])
            for (work, result) in zip(batch, results) { onScored(work, result, seconds) }
            queue.finish(batch)
        }
    }
}
