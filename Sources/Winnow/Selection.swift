import Foundation
import Policies
import Jinja

/// The outcome for one prompt group: every candidate's score, the best one and the full
/// ranking (`schemas/selection.schema.json`).
public struct Selection: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// Position of the candidate in the group's `candidates` array.
        public var index: Int
        public var id: String?
        public var score: Float
    }

    public var groupID: String
    /// Candidates best first; equal scores keep candidate order.
    public var ranking: [Entry]
    public var numTokens: [Int]

    public var argmax: Entry { ranking[0] }

    /// Ranks `scores` (one per candidate of `group`, in order).
    public init(group: PromptGroup, scores: [Float], numTokens: [Int]) {
        precondition(scores.count == group.candidates.count && !scores.isEmpty)
        groupID = group.groupID
        ranking = scores.indices
            .sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            .map { Entry(index: $0, id: group.candidates[$0].id, score: scores[$0]) }
        self.numTokens = numTokens
    }

    /// Timings of the stages a group went through, in milliseconds.
    public struct Timings: Sendable, Equatable {
        public var tokenizeMilliseconds: Double
        public var scoreMilliseconds: Double
        public var totalMilliseconds: Double
    }

    /// The model that scored the group.
    public struct ModelIdentity: Sendable, Equatable {
        public var name: String
        public var revision: String?

        public init(name: String, revision: String?) {
            self.name = name
            self.revision = revision
        }
    }

    /// The results record's JSON value; `metadata` is the group's passthrough object.
    public func json(model: ModelIdentity, metadata: Jinja.Value?, source: RecordSource, timings: Timings) -> String {
        func entry(_ e: Entry) -> String {
            var o = JSONWriter.Object()
            o.add("index", int: e.index)
            if let id = e.id { o.add("id", string: id) }
            o.add("score", float: e.score)
            return o.text
        }
        var identity = JSONWriter.Object()
        identity.add("name", string: model.name)
        identity.add("revision", raw: model.revision.map(JSONWriter.string) ?? "null")
        var timing = JSONWriter.Object()
        timing.add("tokenize_ms", double: Self.rounded(timings.tokenizeMilliseconds))
        timing.add("score_ms", double: Self.rounded(timings.scoreMilliseconds))
        timing.add("total_ms", double: Self.rounded(timings.totalMilliseconds))

        var out = JSONWriter.Object()
        out.add("group_id", string: groupID)
        out.add("model", raw: identity.text)
        out.add("argmax", raw: entry(argmax))
        out.add("ranking", raw: "[" + ranking.map(entry).joined(separator: ",") + "]")
        out.add("num_tokens", raw: "[" + numTokens.map(String.init).joined(separator: ",") + "]")
        out.add("metadata", raw: metadata.map(JSONWriter.value) ?? "{}")
        out.add("source", raw: source.json)
        out.add("timings", raw: timing.text)
        return out.text
    }

    private static func rounded(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
}
