import Foundation
import RewardModel

extension ModelOptions {
    /// Loads the model these options name (`--model`, else `fallback`), or exits with the
    /// loader's message.
    func loadModel(fallback: String? = nil) throws -> RewardModel {
        guard let model = model ?? fallback else { throw CommandFailure("missing --model DIR: the reward model to load") }
        var options = RewardModel.Options(tokenBudget: tokenBudget, maxSequenceLength: maxLength, weightPrecision: weights)
        if let threads { options.threads = threads }
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
