import Foundation
import Policies
import WinnowJSON
import Synchronization
import WinnowJinja
import WinnowService

/// Native `POST /v1/groups`: the Kafka front door's contract over HTTP. The body is one prompt
/// group or a list of them, exactly as `schemas/prompt-group.schema.json` defines a record; the
/// answer is one selection (or a list, in order) exactly as `schemas/selection.schema.json`
/// defines the results record, policies included. The same `PromptGroupDecoder`,
/// `GroupTokenizer` and `Selection` as the Kafka path: a group that would be dead-lettered there
/// is a 400 here, with the same reason code as the error's `type`.
final class GroupsEndpoint: Sendable {
    let decoder: PromptGroupDecoder
    let tokenizer: GroupTokenizer
    let batcher: ScoreBatcher
    let modelIdentity: Selection.ModelIdentity
    let maxInputs: Int
    /// Numbers the requests' groups, as `source.offset` (topic `http`, partition 0).
    private let sequenceNumber = Atomic<Int>(0)

    init(decoder: PromptGroupDecoder, tokenizer: GroupTokenizer, batcher: ScoreBatcher, maxInputs: Int) {
        self.decoder = decoder
        self.tokenizer = tokenizer
        self.batcher = batcher
        self.maxInputs = maxInputs
        modelIdentity = Selection.ModelIdentity(name: tokenizer.model.directory.name, revision: tokenizer.model.directory.revision)
    }

    func groups(_ body: Value, endpoint: String, received: ContinuousClock.Instant) async throws -> Reply {
        let records: [Value], single: Bool
        switch body {
        case .array(let items):
            guard !items.isEmpty else { throw APIError.badRequest("the list of prompt groups is empty") }
            guard items.count <= maxInputs else {
                throw APIError.tooLarge("\(items.count) prompt groups; at most \(maxInputs) are accepted per request")
            }
            (records, single) = (items, false)
        default:
            (records, single) = ([body], true)
        }
        let tokenized = try records.enumerated().map { (i, record) throws(APIError) -> TokenizedGroup in
            let where_ = single ? "" : "group \(i): "
            let group: PromptGroup
            switch decoder.decode(value: record) {
            case .success(let decoded): group = decoded
            case .failure(let letter): throw APIError(status: .badRequest, message: where_ + letter.message, type: letter.reason.rawValue)
            }
            switch tokenizer.tokenize(group) {
            case .success(let t): return t
            case .failure(let letter): throw APIError(status: .badRequest, message: where_ + letter.message, type: letter.reason.rawValue)
            }
        }
        let sequences = tokenized.flatMap { t in (0..<t.scoring.candidateCount).map { t.scoring.sequence($0) } }
        let scored = try await batcher.submit(sequences, endpoint: endpoint)
        let firstOffset = sequenceNumber.add(tokenized.count, ordering: .relaxed).oldValue
        var offset = 0
        var selections: [JSONValue] = []
        for (i, t) in tokenized.enumerated() {
            let scores = Array(scored.scores[offset..<offset + t.scoring.candidateCount])
            offset += t.scoring.candidateCount
            let selection: Selection
            do {
                selection = try Selection(group: t.group, scores: scores, numTokens: t.numTokens, responseTokens: t.responseTokens)
            } catch {
                throw APIError(status: .unprocessableContent, message: (single ? "" : "group \(i): ") + "\(error)", type: "non_finite_score")
            }
            let timings = Selection.Timings(tokenizeMilliseconds: t.tokenizeSeconds * 1000,
                                            scoreMilliseconds: (scored.queueSeconds + scored.inferenceSeconds) * 1000,
                                            totalMilliseconds: (ContinuousClock.now - received).seconds * 1000)
            selections.append(selection.jsonValue(model: modelIdentity, metadata: t.group.metadata,
                                             source: RecordSource(topic: "http", partition: 0, offset: Int64(firstOffset + i)),
                                             timings: timings))
        }
        return Reply(json: (single ? selections[0] : .array(selections)).jsonText, sequences: sequences.count)
    }
}
