import Foundation
import RewardEngine

extension ModelOptions {
    /// Loads the model these options name, or exits with the loader's message. A setting not
    /// given as a flag is asked of `setting` by its config-file key ("model", "threads",
    /// "token_budget", "max_length", "weights", "compute"; `serve` answers from the environment and its
    /// config file), else takes its default.
    func loadModel(setting: (String) throws -> String? = { _ in nil }) throws -> RewardModel {
        func positive(_ flag: Int?, _ key: String) throws -> Int? {
            if let flag { return flag }
            guard let text = try setting(key) else { return nil }
            guard let value = Int(text), value > 0 else { throw CommandFailure("\(key) must be a positive integer, got \"\(text)\"") }
            return value
        }
        guard let model = try model ?? setting("model") else { throw CommandFailure("missing --model DIR: the reward model to load") }
        var precision = WeightPrecision.float32
        if let weights {
            precision = weights
        } else if let text = try setting("weights") {
            guard let parsed = WeightPrecision(rawValue: text) else {
                throw CommandFailure("weights must be float32 or bfloat16, got \"\(text)\"")
            }
            precision = parsed
        }
        var mode = ComputeMode.float32
        if let compute {
            mode = compute
        } else if let text = try setting("compute") {
            guard let parsed = ComputeMode(rawValue: text) else {
                throw CommandFailure("compute must be float32, int8 or bfloat16, got \"\(text)\"")
            }
            mode = parsed
        }
        var options = RewardModel.Options(tokenBudget: try positive(tokenBudget, "token_budget") ?? 4096,
                                          maxSequenceLength: try positive(maxLength, "max_length") ?? 16384,
                                          weightPrecision: precision, compute: mode)
        if let threads = try positive(threads, "threads") { options.threads = threads }
        do {
            return try RewardModel(path: model, options: options)
        } catch let error as CheckpointError {
            throw CommandFailure("cannot load model \(model): \(error)")
        }
    }
}

/// An error whose message is printed as it is, with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
