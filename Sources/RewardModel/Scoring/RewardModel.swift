import Foundation

/// Problems with the token ids given to `RewardModel.score`.
public enum ScoringError: Error, CustomStringConvertible, Equatable {
    case emptySequence(index: Int)
    case tokenOutOfRange(index: Int, token: Int32, vocabularySize: Int)
    case sequenceTooLong(index: Int, length: Int, limit: Int)

    public var description: String {
        switch self {
        case .emptySequence(let i): return "sequence \(i) has no tokens"
        case .tokenOutOfRange(let i, let token, let vocabulary):
            return "sequence \(i) has token id \(token), outside the vocabulary [0, \(vocabulary))"
        case .sequenceTooLong(let i, let length, let limit):
            return "sequence \(i) has \(length) tokens; the limit is \(limit)"
        }
    }
}

/// A Bradley–Terry reward model loaded from a Hugging Face checkpoint, scoring token ids on
/// the CPU in float32. Scores match transformers' eager float32 forward on the same weights.
///
/// Calls to `score` are serialised: the model owns one workspace planned for its limits.
public final class RewardModel: @unchecked Sendable {
    public struct Options: Sendable {
        /// Threads for GEMMs and parallel loops together (default: every core).
        public var threads: Int
        /// Most tokens packed into one forward pass; larger passes mean larger GEMMs.
        public var tokenBudget: Int
        /// Longest sequence accepted (Skywork-Reward-V2 was trained up to 16,384 tokens).
        public var maxSequenceLength: Int

        public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    tokenBudget: Int = 4096, maxSequenceLength: Int = 16384) {
            self.threads = threads
            self.tokenBudget = tokenBudget
            self.maxSequenceLength = maxSequenceLength
        }
    }

    public let directory: ModelDirectory
    public let configuration: ModelConfiguration
    public let options: Options
    /// The longest sequence this model scores: the smaller of the option and the checkpoint's
    /// `max_position_embeddings`.
    public let maxSequenceLength: Int

    let classifier: DecoderClassifier
    private let workspace: Workspace
    private let planner: BatchPlanner
    private let lock = NSLock()

    public convenience init(path: String, options: Options = Options()) throws {
        try self.init(directory: ModelDirectory(path: path), options: options)
    }

    public init(directory: ModelDirectory, options: Options = Options()) throws {
        self.directory = directory
        self.options = options
        configuration = try ModelConfiguration.load(from: directory.file("config.json"))
        let store = try WeightStore(directory: directory.url)
        maxSequenceLength = min(options.maxSequenceLength, configuration.maxPositionEmbeddings)
        let pool = ComputePool(threads: options.threads)
        classifier = try DecoderClassifier(store: store, configuration: configuration,
                                           maxPositions: maxSequenceLength, pool: pool)
        let capacity = max(options.tokenBudget, maxSequenceLength)
        workspace = Workspace(capacity: capacity, configuration: configuration, workers: pool.threads)
        planner = BatchPlanner(tokenBudget: options.tokenBudget)
    }

    /// Where forward-pass time has gone since the model loaded (or the last reset).
    public var profile: ForwardProfile {
        lock.lock(); defer { lock.unlock() }
        return classifier.profile
    }

    public func resetProfile() {
        lock.lock(); defer { lock.unlock() }
        classifier.profile.reset()
    }

    /// Checks that `ids` can be scored: non-empty, within the vocabulary and the length limit.
    public func validate(_ ids: [Int32], index: Int = 0) throws {
        guard !ids.isEmpty else { throw ScoringError.emptySequence(index: index) }
        guard ids.count <= maxSequenceLength else {
            throw ScoringError.sequenceTooLong(index: index, length: ids.count, limit: maxSequenceLength)
        }
        let vocabulary = configuration.vocabularySize
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
            throw ScoringError.tokenOutOfRange(index: index, token: bad, vocabularySize: vocabulary)
        }
    }

    /// Rewards for `sequences`, in order. Sequences are packed into forward passes under the
    /// token budget; the result does not depend on how they are packed.
    public func score(_ sequences: [[Int32]]) throws -> [Float] {
        for (i, ids) in sequences.enumerated() { try validate(ids, index: i) }
        lock.lock()
        defer { lock.unlock() }
        var scores: [Float] = []
        scores.reserveCapacity(sequences.count)
        for pass in planner.plan(lengths: sequences.map(\.count)) {
            var batch = PackedBatch(reservingCapacity: options.tokenBudget)
            for i in pass { batch.append(sequences[i], padTokenID: configuration.padTokenID) }
            scores += classifier.forward(batch, workspace: workspace)
        }
        return scores
    }
}
