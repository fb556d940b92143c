/// Why a policy could not be read or applied.
public enum PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The policy JSON is not what `schemas/prompt-group.schema.json#/$defs/policy` allows;
    /// `path` names the offending field (`policy.rejection.top_k`).
    case invalid(path: String, message: String)
    /// A candidate's score is NaN or infinite: no ranking, threshold or advantage means anything
    /// then, so the group is refused rather than decided on a guess.
    case nonFiniteScore(candidate: Int, score: Double)
    /// A reward transform turned a finite score into a NaN or infinite reward (an affine scale
    /// large enough to overflow, say).
    case nonFiniteReward(candidate: Int)
    /// Scores and lengths given for different numbers of candidates (a caller bug).
    case shapeMismatch(scores: Int, lengths: Int)
    /// A group with no candidates.
    case emptyGroup

    public var description: String {
        switch self {
        case .invalid(let path, let message): return "\(path): \(message)"
        case .nonFiniteScore(let candidate, let score): return "candidate \(candidate) has a non-finite score (\(score))"
        case .nonFiniteReward(let candidate): return "the reward transforms made candidate \(candidate)'s reward non-finite"
        case .shapeMismatch(let scores, let lengths): return "\(scores) scores but \(lengths) lengths"
        case .emptyGroup: return "the group has no candidates"
        }
    }
}
