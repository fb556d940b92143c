import ArgumentParser
import RewardModel

@main
struct Winnow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winnow",
        abstract: "Best-of-N selection and rejection sampling with reward models, on the CPU.",
        subcommands: [ScoreCommand.self, TokenizeCommand.self, InspectCommand.self, BenchCommand.self, ServeCommand.self, ProduceCommand.self, ConsumeCommand.self])
}

/// Options every command that loads a model shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Hugging Face model directory, or a cache entry models--ORG--NAME (required; `serve` also reads WINNOW_MODEL or the config file).")
    var model: String?

    @Option(name: .long, help: "Threads for GEMMs and parallel loops (default: every core).")
    var threads: Int?

    @Option(name: .long, help: "Most tokens packed into one forward pass.")
    var tokenBudget: Int = 4096

    @Option(name: .long, help: "Longest sequence accepted, in tokens.")
    var maxLength: Int = 16384

    @Option(name: .long, help: "Weights in memory: float32 (fastest) or bfloat16 (mapped, about half the memory).")
    var weights: WeightPrecision = .float32
}

extension WeightPrecision: ExpressibleByArgument {}
