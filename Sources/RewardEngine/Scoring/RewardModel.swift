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
/// the CPU. In float32 (the default) scores match transformers' eager float32 forward on the same
/// weights; `Options.compute` int8 trades a measured error (README, "Compute modes") for speed.
///
/// Calls to `score` are serialised: the model owns one workspace planned for its limits.
/// `@unchecked Sendable`: its mutable state (workspace, prefix cache, profile) is touched only
/// inside `score`, which holds the model's lock for the whole pass; the weights are read-only.
public final class RewardModel: @unchecked Sendable {
    public struct Options: Sendable {
        /// Threads for GEMMs and parallel loops together (default: every core).
        public var threads: Int
        /// Most tokens packed into one forward pass; larger passes mean larger GEMMs.
        public var tokenBudget: Int
        /// Longest sequence accepted (Skywork-Reward-V2 was trained up to 16,384 tokens).
        public var maxSequenceLength: Int
        /// How linear-layer weights are held (float32 by default). Ignored by the int8 compute
        /// mode, which quantizes them at load.
        public var weightPrecision: WeightPrecision
        /// What the linear layers multiply in (float32 by default, the exact mode). A mode this
        /// machine cannot run, or cannot run faster than float32, falls back to float32:
        /// `RewardModel.compute` says which runs and why.
        public var compute: ComputeMode
        /// Refuse to load when the memory plan exceeds what the machine has available.
        public var checksMemory: Bool = true
        /// Memory to plan against; nil reads MemAvailable from /proc/meminfo.
        public var availableMemory: Int? = nil

        public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    tokenBudget: Int = 4096, maxSequenceLength: Int = 16384,
                    weightPrecision: WeightPrecision = .float32, compute: ComputeMode = .float32) {
            self.threads = threads
            self.compute = compute
            self.tokenBudget = tokenBudget
            self.maxSequenceLength = maxSequenceLength
            self.weightPrecision = weightPrecision
        }
    }

    public let directory: ModelDirectory
    public let configuration: ModelConfiguration
    public let options: Options
    /// The longest sequence this model scores: the smaller of the option and the checkpoint's
    /// `max_position_embeddings`.
    public let maxSequenceLength: Int

    /// What this model needs in memory at its limits.
    public let memoryPlan: MemoryPlan

    /// The compute mode requested in the options, the one running, and why they differ.
    public let compute: ComputeChoice

    let classifier: DecoderClassifier
    private let workspace: Workspace
    private let prefixCache: PrefixCache
    private let planner: PassPlanner
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
        compute = ComputeChoice.resolve(options.compute, threads: max(1, options.threads))
        var planned = options
        planned.compute = compute.running
        memoryPlan = MemoryPlan(configuration: configuration, store: store, options: planned, workers: max(1, options.threads))
        if options.checksMemory, let available = options.availableMemory ?? MemoryPlan.availableBytes {
            let needed = memoryPlan.peakBytes(options.weightPrecision, compute: compute.running)
            guard needed <= available else {
                throw CheckpointError.insufficientMemory(needed: needed, available: available,
                                                         precision: options.weightPrecision.rawValue)
            }
        }
        let pool = ComputePool(threads: options.threads)
        classifier = try DecoderClassifier(store: store, configuration: configuration,
                                           maxPositions: maxSequenceLength,
                                           format: WeightFormat(precision: options.weightPrecision, compute: compute),
                                           pool: pool)
        let capacity = max(options.tokenBudget, maxSequenceLength)
        workspace = Workspace(capacity: capacity, configuration: configuration, workers: pool.threads,
                              compute: compute, pool: pool)
        // A group larger than one pass keeps its prefix while later passes add up to a budget.
        prefixCache = PrefixCache(capacity: maxSequenceLength + options.tokenBudget, layers: configuration.layerCount,
                                  keyValueWidth: configuration.keyValueHeadCount * configuration.headDimension)
        planner = PassPlanner(tokenBudget: options.tokenBudget, padTokenID: configuration.padTokenID)
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

    /// Rewards for `sequences`, in order. Sequences that share a prefix of at least
    /// `minimumSharedPrefix` tokens are scored as a group (the prefix computed once); pass
    /// `Int.max` to score every sequence on its own. Packing never changes a score beyond
    /// float32 rounding.
    public func score(_ sequences: [[Int32]], minimumSharedPrefix: Int = 16) throws -> [Float] {
        for (i, ids) in sequences.enumerated() { try validate(ids, index: i) }
        let clusters = minimumSharedPrefix == Int.max
            ? sequences.indices.map { [$0] }
            : PrefixGrouping.groups(sequences, minimumSharedPrefix: minimumSharedPrefix)
        let groups = clusters.map { ScoringGroup(sequences: $0.map { sequences[$0] }) }
        let grouped = try run(groups)
        var scores = [Float](repeating: .nan, count: sequences.count)
        var k = 0
        for cluster in clusters {
            for index in cluster { scores[index] = grouped[k]; k += 1 }
        }
        return scores
    }

    /// Rewards for every candidate of every group: `result[g][i]` scores
    /// `groups[g].prefix + groups[g].suffixes[i]`.
    public func score(groups: [ScoringGroup]) throws -> [[Float]] {
        var index = 0
        for group in groups {
            for i in 0..<group.candidateCount {
                try validate(group.sequence(i), index: index)
                index += 1
            }
        }
        let flat = try run(groups)
        var result: [[Float]] = []
        var k = 0
        for group in groups {
            result.append(Array(flat[k..<k + group.candidateCount]))
            k += group.candidateCount
        }
        return result
    }

    /// Scores of validated groups, candidate by candidate.
    private func run(_ groups: [ScoringGroup]) throws -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        var scores = [Float](repeating: .nan, count: groups.reduce(0) { $0 + $1.candidateCount })
        for pass in planner.plan(groups) {
            for (output, score) in classifier.forward(pass, workspace: workspace, cache: prefixCache) {
                scores[output] = score
            }
        }
        return scores
    }
}
