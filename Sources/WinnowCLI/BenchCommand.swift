import ArgumentParser
import Foundation
import RewardEngine

/// `winnow bench`: throughput of the forward pass on random token ids, as independent
/// sequences or as best-of-N groups that share a prompt.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure scoring throughput and peak resident memory on random token ids.",
        discussion: """
        Sequence mode (default): --sequences B independent sequences of --tokens T ids.
        Group mode (--groups G): G prompt groups, each a shared prompt of --prompt-tokens P ids
        and --candidates N responses of --response-tokens R ids; the prompt is computed once.
        tokens/s counts every candidate's full length (P + R), as a peer without prefix reuse
        would score them. One untimed warm-up round, then the median of --repeats rounds.
        """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "Sequence mode: sequences scored per round.")
    var sequences: Int = 8

    @Option(name: .long, help: "Sequence mode: tokens per sequence.")
    var tokens: Int = 512

    @Option(name: .long, help: "Group mode: prompt groups per round.")
    var groups: Int?

    @Option(name: .long, help: "Group mode: candidates per group.")
    var candidates: Int = 8

    @Option(name: .long, help: "Group mode: shared prompt length in tokens.")
    var promptTokens: Int = 384

    @Option(name: .long, help: "Group mode: response length in tokens.")
    var responseTokens: Int = 128

    @Option(name: .long, help: "Timed rounds (after one untimed warm-up round).")
    var repeats: Int = 3

    @Option(name: .long, help: "Seed for the random token ids.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Print one JSON line instead of a table.")
    var json = false

    func validate() throws {
        guard sequences > 0, tokens > 0, repeats > 0, candidates > 0, promptTokens >= 0, responseTokens >= 0,
              (groups ?? 1) > 0 else {
            throw ValidationError("counts must be positive")
        }
    }

    func run() throws {
        let loadStart = Date()
        let rewardModel = try model.loadModel()
        let loadSeconds = Date().timeIntervalSince(loadStart)
        var random = SplitMix64(seed: seed)
        let vocabulary = rewardModel.configuration.vocabularySize
        let pad = rewardModel.configuration.padTokenID
        func ids(_ n: Int) -> [Int32] { (0..<n).map { _ in random.tokenID(vocabulary: vocabulary, avoiding: pad) } }

        let round: () throws -> Void
        let scoredTokens: Int, scoredCandidates: Int
        var shape: [String: Any]
        if let groups {
            let work = (0..<groups).map { _ in
                ScoringGroup(prefix: ids(promptTokens), suffixes: (0..<candidates).map { _ in ids(responseTokens) })
            }
            round = { _ = try rewardModel.score(groups: work) }
            scoredCandidates = groups * candidates
            scoredTokens = scoredCandidates * (promptTokens + responseTokens)
            shape = ["mode": "groups", "groups": groups, "candidates": candidates,
                     "prompt_tokens": promptTokens, "response_tokens": responseTokens]
        } else {
            let work = (0..<sequences).map { _ in ids(tokens) }
            round = { _ = try rewardModel.score(work, minimumSharedPrefix: .max) }
            scoredCandidates = sequences
            scoredTokens = sequences * tokens
            shape = ["mode": "sequences", "sequences": sequences, "tokens": tokens]
        }

        try round()  // warm-up: page in weights, start threads
        rewardModel.resetProfile()
        var seconds: [Double] = []
        for _ in 0..<repeats {
            let start = Date()
            try round()
            seconds.append(Date().timeIntervalSince(start))
        }
        let median = seconds.sorted()[seconds.count / 2]
        let profile = rewardModel.profile
        var report = shape
        report["engine"] = "winnow"
        report["model"] = rewardModel.directory.name
        report["threads"] = rewardModel.options.threads
        report["weights"] = rewardModel.options.weightPrecision.rawValue
        report["compute_mode"] = rewardModel.compute.running.rawValue
        report["seconds"] = median
        report["tokens_per_s"] = Double(scoredTokens) / median
        report["candidates_per_s"] = Double(scoredCandidates) / median
        report["computed_tokens_per_s"] = Double(profile.tokens / repeats) / median
        report["gemm_share"] = profile.gemmShare
        report["gemm_gflops"] = profile.gemmGFLOPS
        report["load_seconds"] = loadSeconds
        let compute = ComputeEnvironment.current(threads: rewardModel.options.threads, compute: rewardModel.compute)
        report["compute"] = Dictionary(uniqueKeysWithValues: compute.fields.map { ($0.key, $0.value as Any) })
        report["peak_rss_bytes"] = ResourceUsage.peakResidentBytes
        if json {
            print(JSON.encode(report))
            return
        }
        let described = shape["mode"] as? String == "groups"
            ? "\(groups!) groups x \(candidates) candidates, \(promptTokens)-token prompt + \(responseTokens)-token responses"
            : "\(sequences) sequences x \(tokens) tokens"
        for line in compute.lines { print(line) }
        print("model            \(rewardModel.directory.name) (\(rewardModel.configuration.architecture), \(rewardModel.compute.running == .int8 ? "int8" : rewardModel.options.weightPrecision.rawValue) weights, \(rewardModel.compute.running.rawValue) compute)")
        print("shape            \(described), \(rewardModel.options.threads) threads")
        print("load             \(String(format: "%.2f", loadSeconds)) s")
        print("round (median)   \(String(format: "%.3f", median)) s of \(repeats)")
        print("throughput       \(String(format: "%.1f", Double(scoredTokens) / median)) tokens/s, \(String(format: "%.2f", Double(scoredCandidates) / median)) candidates/s")
        print("computed         \(String(format: "%.1f", Double(profile.tokens / repeats) / median)) tokens/s through the model")
        print("peak resident    \(String(format: "%.1f", Double(ResourceUsage.peakResidentBytes) / 1_048_576)) MiB")
        print("time in GEMM     \(String(format: "%.1f", 100 * profile.gemmShare)) % at \(String(format: "%.0f", profile.gemmGFLOPS)) GFLOP/s")
        for stage in ForwardProfile.Stage.allCases {
            let share = (profile.seconds[stage] ?? 0) / max(profile.total, 1e-9)
            print("  \(stage.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0))\(String(format: "%5.1f", 100 * share)) %")
        }
    }
}

extension SplitMix64 {
    /// A token id below `vocabulary` that is never the pad token (pad would not be scored).
    mutating func tokenID(vocabulary: Int, avoiding pad: Int?) -> Int32 {
        var id = Int(next() % UInt64(vocabulary))
        if id == pad { id = (id + 1) % vocabulary }
        return Int32(id)
    }
}
