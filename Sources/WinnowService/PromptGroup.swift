import ChatText
import WinnowJinja
import Policies
import WinnowJSON

/// Where a record came from: enough to find it again, and to commit past it.
public struct RecordSource: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// `{"topic": ..., "partition": ..., "offset": ...}`.
    public var jsonValue: JSONValue { ["topic": .string(topic), "partition": .int(Int(partition)), "offset": .int(Int(offset))] }
}

/// One prompt and the candidate completions to choose among, as decoded from an input record
/// (`schemas/prompt-group.schema.json`).
public struct PromptGroup: Sendable, Equatable {
    /// A chat conversation (rendered with the checkpoint's chat template) or raw text; each
    /// candidate is scored as the prompt plus its response.
    public typealias Prompt = CandidatePrompt

    /// One completion: its caller-given id (if any) and the response text.
    public struct Candidate: Sendable, Equatable {
        public var id: String?
        public var response: String

        public init(id: String? = nil, response: String) {
            self.id = id
            self.response = response
        }
    }

    public var groupID: String
    public var prompt: Prompt
    public var candidates: [Candidate]
    /// The selection policy for this group: the deployment's default with the record's own
    /// `policy` applied.
    public var policy: SelectionPolicy
    /// Caller data copied into the selection unchanged.
    public var metadata: Value?

    public init(groupID: String, prompt: Prompt, candidates: [Candidate], policy: SelectionPolicy = SelectionPolicy(),
                metadata: Value? = nil) {
        self.groupID = groupID
        self.prompt = prompt
        self.candidates = candidates
        self.policy = policy
        self.metadata = metadata
    }
}
