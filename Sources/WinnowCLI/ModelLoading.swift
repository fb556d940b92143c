import Foundation
import RewardEngine

extension ModelOptions {
    /// Loads the model these flags name (defaults: `RewardModel.Options()`), or fails with the
    /// loader's message. `serve` reads the same settings through its settings table instead.
    func loadModel() throws -> RewardModel {
        guard let model else { throw CommandFailure("missing --model DIR: the reward model to load") }
        var options = RewardModel.Options()
        if let threads { options.threads = threads }
        if let tokenBudget { options.tokenBudget = tokenBudget }
        if let maxLength { options.maxSequenceLength = maxLength }
        if let weights { options.weightPrecision = weights }
        if let compute { options.compute = compute }
        return try loadRewardModel(path: model, options: options)
    }
}

/// Loads the checkpoint at `path`; a checkpoint the loader refuses is a `CommandFailure` that says why.
func loadRewardModel(path: String, options: RewardModel.Options) throws -> RewardModel {
    do {
        return try RewardModel(path: path, options: options)
    } catch let error as CheckpointError {
        throw CommandFailure("cannot load model \(path): \(error)")
    }
}

/// An error whose message is printed as it is, with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
