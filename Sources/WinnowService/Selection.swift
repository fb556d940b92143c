import Foundation
import WinnowJinja
import Policies
import WinnowJSON

/// The outcome for one prompt group: every candidate's score, the best one, the full ranking and
/// what the group's selection policy decided (`schemas/selection.schema.json`).
public struct Selection: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// Position of the candidate in the group's `candidates` array.
        public var index: Int
        public var id: String?
        public var score: Float
    }

    public var groupID: String
    /// The model's score per candidate, in candidate order.
    public var scores: [Float]
    /// Candidates best first; equal scores keep candidate order.
    public var ranking: [Entry]
    public var numTokens: [Int]
    public var responseTokens: [Int]
    public var policy: SelectionPolicy
    public var decision: PolicyDecision

    public var argmax: Entry { ranking[0] }

    /// Ranks `scores` (one per candidate of `group`, in order) and applies the group's policy.
    /// Throws for NaN or infinite scores (and rewards).
    public init(group: PromptGroup, scores: [Float], numTokens: [Int], responseTokens: [Int]) throws(PolicyError) {
        let scored = try ScoredGroup(scores: scores, responseTokens: responseTokens)
        groupID = group.groupID
        self.scores = scores
        policy = group.policy
        decision = try group.policy.decide(scored)
        ranking = decision.ranking.map { Entry(index: $0, id: group.candidates[$0].id, score: scores[$0]) }
        self.numTokens = numTokens
        self.responseTokens = responseTokens
    }

    /// Timings of the stages a group went through, in milliseconds.
    public struct Timings: Sendable, Equatable {
        public var tokenizeMilliseconds: Double
        public var scoreMilliseconds: Double
        public var totalMilliseconds: Double

        public init(tokenizeMilliseconds: Double, scoreMilliseconds: Double, totalMilliseconds: Double) {
            self.tokenizeMilliseconds = tokenizeMilliseconds
            self.scoreMilliseconds = scoreMilliseconds
            self.totalMilliseconds = totalMilliseconds
        }
    }

    /// The model that scored the group.
    public struct ModelIdentity: Sendable, Equatable {
        public var name: String
        public var revision: String?

        public init(name: String, revision: String?) {
            self.name = name
            self.revision = revision
        }

        /// `{"name": ..., "revision": ... | null}`.
        public var jsonValue: JSONValue { ["name": .string(name), "revision": revision.map(JSONValue.string) ?? .null] }
    }

    /// The results record's JSON value; `metadata` is the group's passthrough object.
    public func json(model: ModelIdentity, metadata: JSONValue?, source: RecordSource, timings: Timings) -> String {
        jsonValue(model: model, metadata: metadata, source: source, timings: timings).jsonText
    }

    /// The results record as a value, for answers that hold several.
    public func jsonValue(model: ModelIdentity, metadata: JSONValue?, source: RecordSource, timings: Timings) -> JSONValue {
        func entry(_ e: Entry) -> JSONValue {
            var o: JSONObject = ["index": .int(e.index)]
            if let id = e.id { o["id"] = .string(id) }
            o["score"] = JSONValue(e.score)
            return .object(o)
        }
        var out: JSONObject = [
            "group_id": .string(groupID),
            "model": model.jsonValue,
            "argmax": entry(argmax),
            "ranking": .array(ranking.map(entry)),
        ]
        if !policy.isEmpty {
            out["policy"] = policy.jsonValue
            decision.addFields(to: &out)
        }
        out["num_tokens"] = .array(numTokens.map(JSONValue.int))
        out["response_tokens"] = .array(responseTokens.map(JSONValue.int))
        out["metadata"] = metadata ?? .object([:])
        out["source"] = source.jsonValue
        out["timings"] = [
            "tokenize_ms": .double(Self.rounded(timings.tokenizeMilliseconds)),
            "score_ms": .double(Self.rounded(timings.scoreMilliseconds)),
            "total_ms": .double(Self.rounded(timings.totalMilliseconds)),
        ]
        return .object(out)
    }

    private static func rounded(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
}
