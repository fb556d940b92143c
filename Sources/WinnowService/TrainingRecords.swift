import WinnowJinja
import Policies
import WinnowJSON

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
            var out: JSONObject = [
                "group_id": .string(group.groupID),
                "prompt": promptJSON,
                "response": .string(group.candidates[index].response),
                "candidate": candidate(index),
                "rank": .int(rank[index]!),
            ]
            if let rewards = selection.decision.rewards {
                out["reward"] = .double(rewards.rewards[index])
                if let advantages = rewards.advantages { out["advantage"] = .double(advantages[index]) }
            }
            out["model"] = model.jsonValue
            out["metadata"] = group.metadata ?? .object([:])
            return JSONValue.object(out).jsonText
        }
    }

    /// The preference pairs, widest margin first. Empty without a pairs policy.
    public var preferencePairs: [String] {
        (selection.decision.pairs ?? []).map { pair in
            let out: JSONValue = [
                "group_id": .string(group.groupID),
                "prompt": promptJSON,
                "chosen": .string(group.candidates[pair.chosen].response),
                "rejected": .string(group.candidates[pair.rejected].response),
                "margin": .double(pair.margin),
                "chosen_candidate": candidate(pair.chosen),
                "rejected_candidate": candidate(pair.rejected),
                "model": model.jsonValue,
                "metadata": group.metadata ?? .object([:]),
            ]
            return out.jsonText
        }
    }

    private var promptJSON: JSONValue {
        switch group.prompt {
        case .text(let text): return .string(text)
        case .messages(let messages): return .array(messages)
        }
    }

    /// `{"index", "id"?, "score"}` of one candidate.
    private func candidate(_ index: Int) -> JSONValue {
        var out: JSONObject = ["index": .int(index)]
        if let id = group.candidates[index].id { out["id"] = .string(id) }
        out["score"] = JSONValue(selection.scores[index])
        return .object(out)
    }
}
