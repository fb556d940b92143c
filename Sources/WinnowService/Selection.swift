import Foundation
import WinnowJinja
import Policies

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
        public var json: String {
            var out = JSONWriter.Object()
            out.add("name", string: name)
            out.add("revision", raw: revision.map(JSONWriter.string) ?? "null")
            return out.text
        }
    }

    /// The results record's JSON value; `metadata` is the group's passthrough object.
    public func json(model: ModelIdentity, metadata: WinnowJinja.Value?, source: RecordSource, timings: Timings) -> String {
        func entry(_ e: Entry) -> String {
            var o = JSONWriter.Object()
            o.add("index", int: e.index)
            if let id = e.id { o.add("id", string: id) }
            o.add("score", float: e.score)
            return o.text
        }
        var out = JSONWriter.Object()
        out.add("group_id", string: groupID)
        out.add("model", raw: model.json)
        out.add("argmax", raw: entry(argmax))
        out.add("ranking", raw: JSONWriter.array(raw: ranking.map(entry)))
        if !policy.isEmpty {
            out.add("policy", raw: policy.json)
            decision.addFields(to: &out)
        }
        out.add("num_tokens", raw: JSONWriter.array(numTokens))
        out.add("response_tokens", raw: JSONWriter.array(responseTokens))
        out.add("metadata", raw: metadata.map(JSONWriter.value) ?? "{}")
        out.add("source", raw: source.json)
        var timing = JSONWriter.Object()
        timing.add("tokenize_ms", double: Self.rounded(timings.tokenizeMilliseconds))
        timing.add("score_ms", double: Self.rounded(timings.scoreMilliseconds))
        timing.add("total_ms", double: Self.rounded(timings.totalMilliseconds))
        out.add("timings", raw: timing.text)
        return out.text
    }

    private static func rounded(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
}
