import ArgumentParser
import RewardEngine

@main
struct WinnowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Best-of-N selection and rejection sampling with reward models, on the CPU.",
        subcommands: [ScoreCommand.self, TokenizeCommand.self, InspectCommand.self, BenchCommand.self, ServeCommand.self, ProduceCommand.self, ConsumeCommand.self])
}

/// Options `score` and `bench` share (`serve` declares the same flags in its settings table, which
/// also reads them from the environment and the config file). Optional here so the defaults are
/// `RewardModel.Options()`'s, applied in `loadModel`.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Hugging Face model directory, or a cache entry models--ORG--NAME (required).")
    var model: String?

    @Option(name: .long, help: "Threads for GEMMs and parallel loops (default: every core).")
    var threads: Int?

    @Option(name: .long, help: "Most tokens packed into one forward pass (default: 4096).")
    var tokenBudget: Int?

    @Option(name: .long, help: "Longest sequence accepted, in tokens (default: 16384).")
    var maxLength: Int?

    @Option(name: .long, help: "Weights in memory: float32 (fastest; default) or bfloat16 (mapped, about half the memory).")
    var weights: WeightPrecision?

    @Option(name: .long, help: "What the linear layers multiply in: float32 (exact; default), int8 (per-row quantized, oneDNN VNNI/AVX2), or bfloat16. A mode this CPU cannot run faster falls back to float32 and says so.")
    var compute: ComputeMode?
}

extension WeightPrecision: ExpressibleByArgument {}
extension ComputeMode: ExpressibleByArgument {}
