import WinnowJinja
import Policies

/// Training data from a decided group, for the optional SFT and preference-pair topics (and
/// `winnow score --emit`): one SFT row per accepted candidate
/// (`schemas/sft-sample.schema.json`), one row per preference pair
/// (`schemas/preference-pair.schema.json`). Both carry the prompt as the group gave it, so a
/// conversation stays a conversation.
public struct TrainingRecords {
    public let group: PromptGroup
    public let selection: Selection
    public let model: Selection.ModelIdentity

    public init(group: PromptGroup, selection: Selection, model: Selection.ModelIdentity) {
        self.group = group
        self.selection = selection
        self.model = model
    }

    /// The accepted candidates, best first. Empty without a rejection policy.
    public var sftSamples: [String] {
        guard let accepted = selection.decision.rejection?.accepted else { return [] }
        let rank = Dictionary(uniqueKeysWithValues: selection.decision.ranking.enumerated().map { ($1, $0) })
        return accepted.map { index in
            var out = JSONWriter.Object()
            out.add("group_id", string: group.groupID)
            out.add("prompt", raw: promptJSON)
            out.add("response", string: group.candidates[index].response)
            out.add("candidate", raw: candidate(index))
            out.add("rank", int: rank[index]!)
            if let rewards = selection.decision.rewards {
                out.add("reward", double: rewards.rewards[index])
                if let advantages = rewards.advantages { out.add("advantage", double: advantages[index]) }
            }
            out.add("model", raw: model.json)
            out.add("metadata", raw: group.metadata.map(JSONWriter.value) ?? "{}")
            return out.text
        }
    }

    /// The preference pairs, widest margin first. Empty without a pairs policy.
    public var preferencePairs: [String] {
        (selection.decision.pairs ?? []).map { pair in
            var out = JSONWriter.Object()
            out.add("group_id", string: group.groupID)
            out.add("prompt", raw: promptJSON)
            out.add("chosen", string: group.candidates[pair.chosen].response)
            out.add("rejected", string: group.candidates[pair.rejected].response)
            out.add("margin", double: pair.margin)
            out.add("chosen_candidate", raw: candidate(pair.chosen))
            out.add("rejected_candidate", raw: candidate(pair.rejected))
            out.add("model", raw: model.json)
            out.add("metadata", raw: group.metadata.map(JSONWriter.value) ?? "{}")
            return out.text
        }
    }

    private var promptJSON: String {
        switch group.prompt {
        case .text(let text): return JSONWriter.string(text)
        case .messages(let messages): return JSONWriter.value(.array(messages))
        }
    }

    /// `{"index", "id"?, "score"}` of one candidate.
    private func candidate(_ index: Int) -> String {
        var out = JSONWriter.Object()
        out.add("index", int: index)
        if let id = group.candidates[index].id { out.add("id", string: id) }
        out.add("score", float: selection.scores[index])
        return out.text
    }
}
