import Foundation
import WinnowJSON

/// Rewards for RL from one group's scores: optional length adjustment, then reward transforms in
/// the order given, then a group baseline that turns rewards into advantages.
///
/// - GRPO: `A_i = (r_i - mean(r)) / (std(r) + epsilon)`, std over the group (the sample standard
///   deviation by default, as `torch.std` in TRL's GRPOTrainer; `population` divides by N). All
///   rewards equal, or N = 1, gives advantages of 0.
/// - RLOO: `A_i = r_i - mean_{j != i}(r_j)`, the leave-one-out baseline; N = 1 has no other
///   sample to compare with and gets 0.
public struct RewardShaping: Sendable, Equatable {
    /// How a response's length enters its reward (`L`: its tokens, at least 1).
    public enum LengthAdjustment: Sendable, Equatable {
        /// `r / L`.
        case normalize
        /// `r - perToken x max(0, L - freeTokens)`.
        case penalty(perToken: Double, freeTokens: Int)
    }

    public enum Transform: Sendable, Equatable {
        /// `min(max(r, min), max)`; either bound may be absent.
        case clip(min: Double?, max: Double?)
        /// `scale x r + shift`.
        case affine(scale: Double, shift: Double)
        /// `1 / (1 + exp(-(r - reference) / temperature))`: under the Bradley-Terry model a reward
        /// model is trained with, the probability that the response beats one scoring `reference`.
        case sigmoid(reference: Double, temperature: Double)

        func callAsFunction(_ r: Double) -> Double {
            switch self {
            case .clip(let low, let high): return Swift.min(Swift.max(r, low ?? -.infinity), high ?? .infinity)
            case .affine(let scale, let shift): return scale * r + shift
            case .sigmoid(let reference, let temperature): return 1 / (1 + exp(-(r - reference) / temperature))
            }
        }
    }

    public enum Baseline: String, Sendable, CaseIterable {
        /// Rewards only, no advantages.
        case none
        case grpo
        case rloo
    }

    /// The standard deviation GRPO divides by.
    public enum Deviation: String, Sendable, CaseIterable {
        /// Divides by N - 1 (`torch.std`'s default, as TRL uses).
        case sample
        /// Divides by N.
        case population
    }

    public var length: LengthAdjustment?
    public var transforms: [Transform]
    public var baseline: Baseline
    public var epsilon: Double
    public var deviation: Deviation

    public init(length: LengthAdjustment? = nil, transforms: [Transform] = [], baseline: Baseline = .grpo,
                epsilon: Double = 1e-4, deviation: Deviation = .sample) {
        self.length = length
        self.transforms = transforms
        self.baseline = baseline
        self.epsilon = epsilon
        self.deviation = deviation
    }

    public struct Result: Sendable, Equatable {
        /// Per candidate, in candidate order.
        public var rewards: [Double]
        /// Per candidate, in candidate order; nil with `baseline: none`.
        public var advantages: [Double]?
    }

    public func apply(to group: ScoredGroup) throws(PolicyError) -> Result {
        var rewards = group.scores
        for i in rewards.indices {
            let tokens = Double(max(1, group.responseTokens[i]))
            switch length {
            case .normalize?: rewards[i] /= tokens
            case .penalty(let perToken, let freeTokens)?: rewards[i] -= perToken * max(0, tokens - Double(freeTokens))
            case nil: break
            }
            for transform in transforms { rewards[i] = transform(rewards[i]) }
            guard rewards[i].isFinite else { throw .nonFiniteReward(candidate: i) }
        }
        return Result(rewards: rewards, advantages: advantages(rewards))
    }

    private func advantages(_ rewards: [Double]) -> [Double]? {
        let n = Double(rewards.count)
        let mean = rewards.reduce(0, +) / n
        switch baseline {
        case .none:
            return nil
        case _ where rewards.allSatisfy({ $0 == rewards[0] }):
            // N = 1, or nothing to tell apart. Said exactly: a rounded mean (0.7 x 3 / 3 is not
            // 0.7) would otherwise turn identical rewards into tiny non-zero advantages.
            return rewards.map { _ in 0 }
        case .grpo:
            let squares = rewards.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let std = (squares / (deviation == .sample ? n - 1 : n)).squareRoot()
            return rewards.map { ($0 - mean) / (std + epsilon) }
        case .rloo:
            let sum = rewards.reduce(0, +)
            return rewards.map { $0 - (sum - $0) / (n - 1) }
        }
    }
}

extension RewardShaping {
    init(json: JSONValue, path: String) throws(PolicyError) {
        var fields = try PolicyFields(json, path: path)
        let length = try fields.value("length").map { v throws(PolicyError) in try Self.length(v, path: "\(path).length") }
        var transforms: [Transform] = []
        switch fields.value("transforms") {
        case nil: break
        case .array(let items)?:
            for (i, item) in items.enumerated() { transforms.append(try Self.transform(item, path: "\(path).transforms[\(i)]")) }
        default: throw fields.fail("transforms", "must be an array")
        }
        self.init(length: length, transforms: transforms,
                  baseline: try fields.choice("baseline", Baseline.self) ?? .grpo,
                  epsilon: try fields.number("epsilon", "> 0") { $0 > 0 } ?? 1e-4,
                  deviation: try fields.choice("std", Deviation.self) ?? .sample)
        try fields.rejectUnknown()
    }

    private enum LengthMode: String, CaseIterable { case normalize, penalty }

    private static func length(_ value: JSONValue, path: String) throws(PolicyError) -> LengthAdjustment {
        var fields = try PolicyFields(value, path: path)
        let adjustment: LengthAdjustment
        switch try fields.choice("mode", LengthMode.self) {
        case .normalize?:
            adjustment = .normalize
        case .penalty?:
            guard let perToken = try fields.number("per_token") else { throw fields.fail("per_token", "is required for mode \"penalty\"") }
            adjustment = .penalty(perToken: perToken, freeTokens: try fields.integer("free_tokens", minimum: 0) ?? 0)
        case nil:
            throw fields.fail("mode", "is required (\"normalize\" or \"penalty\")")
        }
        try fields.rejectUnknown()
        return adjustment
    }

    private static func transform(_ value: JSONValue, path: String) throws(PolicyError) -> Transform {
        guard case .object(let object) = value, object.count == 1, let name = object.keys.first, let body = object[name] else {
            throw .invalid(path: path, message: "must be an object with exactly one of \"clip\", \"affine\", \"sigmoid\"")
        }
        var fields = try PolicyFields(body, path: "\(path).\(name)")
        let transform: Transform
        switch name {
        case "clip":
            let low = try fields.number("min"), high = try fields.number("max")
            guard low != nil || high != nil else { throw .invalid(path: fields.path, message: "needs \"min\", \"max\" or both") }
            if let low, let high, low > high { throw .invalid(path: fields.path, message: "min (\(low)) is above max (\(high))") }
            transform = .clip(min: low, max: high)
        case "affine":
            transform = .affine(scale: try fields.number("scale") ?? 1, shift: try fields.number("shift") ?? 0)
        case "sigmoid":
            transform = .sigmoid(reference: try fields.number("reference") ?? 0,
                                 temperature: try fields.number("temperature", "> 0") { $0 > 0 } ?? 1)
        default:
            throw .invalid(path: path, message: "unknown transform \"\(name)\" (expected \"clip\", \"affine\" or \"sigmoid\")")
        }
        try fields.rejectUnknown()
        return transform
    }

    var jsonValue: JSONValue {
        var out = JSONObject()
        switch length {
        case .normalize?: out["length"] = ["mode": "normalize"]
        case .penalty(let perToken, let freeTokens)?:
            out["length"] = ["mode": "penalty", "per_token": .double(perToken), "free_tokens": .int(freeTokens)]
        case nil: break
        }
        out["transforms"] = .array(transforms.map { transform -> JSONValue in
            switch transform {
            case .clip(let low, let high):
                var o = JSONObject()
                if let low { o["min"] = .double(low) }
                if let high { o["max"] = .double(high) }
                return ["clip": .object(o)]
            case .affine(let scale, let shift):
                return ["affine": ["scale": .double(scale), "shift": .double(shift)]]
            case .sigmoid(let reference, let temperature):
                return ["sigmoid": ["reference": .double(reference), "temperature": .double(temperature)]]
            }
        })
        out["baseline"] = .string(baseline.rawValue)
        out["epsilon"] = .double(epsilon)
        out["std"] = .string(deviation.rawValue)
        return .object(out)
    }
}
