import Foundation
import Policies
import WinnowJSON
import RewardEngine
import WinnowService

/// The middle stage of `winnow score`: a chunk's sequences scored in one packed call, and each
/// line's output (a result line, SFT rows or preference pairs), in input order.
struct ChunkScorer {
    enum Emit: String, CaseIterable { case results, sft, pairs }

    struct Scored {
        /// The chunk's output lines, each ending in "\n".
        var text: [UInt8]
        /// Lines that could not be scored, for standard error when they have no output line.
        var messages: [String]
        var totals: ScoreTotals
        var endLine: Int
        /// Seconds inside the model's forward passes.
        var forwardSeconds: Double
    }

    let model: RewardModel
    let emit: Emit
    let identity: Selection.ModelIdentity

    func score(_ chunk: ChunkReader.Chunk) -> Scored {
        var pending: [(line: Int, id: JSONValue, group: InputEncoder.GroupLine?, range: Range<Int>)] = []
        var sequences: [[Int32]] = []
        var outputs = [LineOutput](repeating: .lines([]), count: chunk.lines.count)
        for (index, line) in chunk.lines.enumerated() {
            switch line.outcome {
            case .failure(let id, let message):
                outputs[index] = failure(id, message)
            case .sequence(let id, let ids):
                pending.append((index, id, nil, sequences.count..<sequences.count + 1))
                sequences.append(ids)
            case .group(let id, let candidates, let group):
                pending.append((index, id, group, sequences.count..<sequences.count + candidates.count))
                sequences += candidates
            }
        }
        var totals = ScoreTotals()
        totals.records = chunk.lines.count
        let started = DispatchTime.now().uptimeNanoseconds
        let scores: [Float]?
        let scoringError: Error?
        do { (scores, scoringError) = (try model.score(sequences), nil) } catch { (scores, scoringError) = (nil, error) }
        let forwardSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        for item in pending {
            guard let scores else {
                // Every sequence was validated when encoded, so this is a fault of the engine itself.
                outputs[item.line] = failure(item.id, "scoring failed: \(scoringError!)")
                continue
            }
            let values = Array(scores[item.range])
            let lengths = sequences[item.range].map(\.count)
            totals.tokens += lengths.reduce(0, +)
            if item.group != nil {
                totals.groups += 1
                totals.candidates += values.count
            } else {
                totals.candidates += 1
            }
            do {
                outputs[item.line] = .lines(try output(id: item.id, values: values, lengths: lengths, group: item.group, totals: &totals))
            } catch {
                outputs[item.line] = failure(item.id, "\(error)")
            }
        }
        var text: [UInt8] = []
        var messages: [String] = []
        for output in outputs {
            switch output {
            case .lines(let lines):
                for line in lines {
                    text += line.utf8
                    text.append(0x0A)
                }
                totals.outputLines += lines.count
            case .failure(let line, let message):
                totals.errors += 1
                if emit == .results {
                    text += line.utf8
                    text.append(0x0A)
                    totals.outputLines += 1
                } else {
                    messages.append(message)
                }
            }
        }
        return Scored(text: text, messages: messages, totals: totals, endLine: chunk.endLine, forwardSeconds: forwardSeconds)
    }

    /// What one input line produced: output lines (none, one, or with --emit several), or a
    /// failure (its `{"id", "error"}` line and the message).
    private enum LineOutput {
        case lines([String])
        case failure(line: String, message: String)
    }

    private func failure(_ id: JSONValue, _ message: String) -> LineOutput {
        let line: JSONValue = ["id": id, "error": .string(message)]
        return .failure(line: line.jsonText, message: "line with id \(id.jsonText): \(message)")
    }

    /// The output lines of one scored input line.
    private func output(id: JSONValue, values: [Float], lengths: [Int], group: InputEncoder.GroupLine?,
                        totals: inout ScoreTotals) throws -> [String] {
        guard let group else {
            guard emit == .results else { throw CommandFailure("--emit \(emit.rawValue) needs group lines (prompt + candidates)") }
            guard values[0].isFinite else { throw CommandFailure("the model produced a non-finite score") }
            let line: JSONValue = ["id": id, "score": JSONValue(values[0]), "num_tokens": .int(lengths[0])]
            return [line.jsonText]
        }
        if emit != .results {
            guard let promptGroup = group.promptGroup else {
                throw CommandFailure("--emit \(emit.rawValue) needs the prompt and candidates as text, not ids")
            }
            let selection = try Selection(group: promptGroup, scores: values, numTokens: lengths, responseTokens: group.responseTokens)
            count(selection.decision, candidates: values.count, in: &totals)
            let records = TrainingRecords(group: promptGroup, selection: selection, model: identity)
            return emit == .sft ? records.sftSamples : records.preferencePairs
        }
        let decision = try group.policy.decide(try ScoredGroup(scores: values, responseTokens: group.responseTokens))
        count(decision, candidates: values.count, in: &totals)
        var out: JSONObject = [
            "id": id,
            "scores": .array(values.map(JSONValue.init)),
            "num_tokens": .array(lengths.map(JSONValue.int)),
            "argmax": .int(decision.argmax),
            "ranking": .array(decision.ranking.map(JSONValue.int)),
        ]
        if !group.policy.isEmpty {
            out["policy"] = group.policy.jsonValue
            decision.addFields(to: &out)
        }
        return [JSONValue.object(out).jsonText]
    }

    private func count(_ decision: PolicyDecision, candidates: Int, in totals: inout ScoreTotals) {
        if let rejection = decision.rejection {
            totals.rejectionCandidates += candidates
            totals.accepted += rejection.accepted.count
        }
        totals.pairs += decision.pairs?.count ?? 0
    }
}
