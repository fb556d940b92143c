import ArgumentParser
import ChatText
import Foundation
import Policies
import RewardEngine
import WinnowService

/// `winnow score`: JSONL in, one `{"id", "score", "num_tokens"}` (or `{"id", "error"}`) per
/// line out, in input order.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score JSONL records with a reward model.",
        discussion: """
        Each input line is one JSON object:
          {"id": ..., "input_ids": [int, ...]}              scores the ids as they are
          {"id": ..., "messages": [{"role", "content"}]}    renders the chat template, tokenizes, scores
          {"id": ..., "text": "..."}                        tokenizes the raw text (no template), scores
        and writes {"id": ..., "score": float, "num_tokens": int}.

        A line may also be a group of candidates for one prompt:
          {"id": ..., "prompt": [messages] | "text", "candidates": ["response" | {"id", "response"}, ...]}
          {"id": ..., "prompt_ids": [int, ...], "candidate_ids": [[int, ...], ...]}
        (prompt-group records as `winnow serve` reads them, with "group_id", work too).
        Each candidate is the prompt plus an assistant turn with its response (a text prompt is
        followed by the response text). It writes {"id": ..., "scores": [float], "num_tokens": [int],
        "argmax": int, "ranking": [int]} (ranking: candidate indices, best first, ties by order).

        With a selection policy (--policy JSON|@FILE, or a line's own "policy", which replaces
        the sections it names; the format is in `winnow serve --help` and
        schemas/prompt-group.schema.json) a group's line also gets "policy" and what it decided:
        "rejection" {"outcome", "accepted"}, "pairs" [{"chosen", "rejected", "margin"}],
        "rewards" {"values", "advantages"}. --emit sft writes one SFT row per accepted candidate
        instead (schemas/sft-sample.schema.json), --emit pairs one row per preference pair
        (schemas/preference-pair.schema.json): the same code and records as the service's
        --sft-topic and --pairs-topic, so a JSONL of groups becomes an SFT or DPO file without
        Kafka. Those need text groups; other lines are errors (on standard error with --emit).

        Output lines are in input order. Lines that share a prompt are scored as a group: the
        shared tokens are computed once. A line that cannot be scored gets
        {"id": ..., "error": "..."} and the run goes on; the exit status is then 1.
        Conversations are formatted as the Skywork model cards do: the checkpoint's chat template,
        no system prompt added, no generation prompt, one BOS.
        """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "JSONL input file, or - for standard input.")
    var input: String = "-"

    @Option(name: .long, help: "JSONL output file, or - for standard output.")
    var output: String = "-"

    @Option(name: .long, help: "Lines read before each scoring round (more lines, fuller batches).")
    var chunkLines: Int = 256

    @Option(name: .long, help: ArgumentHelp("Selection policy for group lines, JSON or @FILE.", valueName: "json|@file"))
    var policy: String?

    @Option(name: .long, help: "What to write: results (default; one line per input line), sft (accepted samples) or pairs (preference pairs).")
    var emit: Emit = .results

    enum Emit: String, ExpressibleByArgument, CaseIterable { case results, sft, pairs }

    @OptionGroup var text: TextOptions

    func run() throws {
        let defaultPolicy = try policy.map { try PolicyOption.read($0) } ?? SelectionPolicy()
        if emit == .sft && defaultPolicy.rejection == nil {
            FileHandle.standardError.write(Data("winnow score: --emit sft without a \"rejection\" policy writes only groups whose own policy has one\n".utf8))
        }
        if emit == .pairs && defaultPolicy.pairs == nil {
            FileHandle.standardError.write(Data("winnow score: --emit pairs without a \"pairs\" policy writes only groups whose own policy has one\n".utf8))
        }
        let rewardModel = try model.loadModel()
        let encoder = try InputEncoder(model: rewardModel, overflow: text.overflow, templateName: text.chatTemplate,
                                       defaultPolicy: defaultPolicy)
        let identity = Selection.ModelIdentity(name: rewardModel.directory.name, revision: rewardModel.directory.revision)
        let reader = try LineReader(path: input)
        let writer = try LineWriter(path: output)
        var failures = 0, total = 0
        var chunk: [String] = []
        func flushChunk() {
            for result in score(chunk, model: rewardModel, encoder: encoder, identity: identity) {
                switch result {
                case .lines(let lines): lines.forEach(writer.write)
                case .failure(let line, let message):
                    failures += 1
                    if emit == .results { writer.write(line) } else {
                        FileHandle.standardError.write(Data("winnow score: \(message)\n".utf8))
                    }
                }
            }
            total += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
        for line in reader where !line.allSatisfy(\.isWhitespace) {
            chunk.append(line)
            if chunk.count >= max(1, chunkLines) { flushChunk() }
        }
        if !chunk.isEmpty { flushChunk() }
        writer.flush()
        if failures > 0 {
            FileHandle.standardError.write(Data("winnow score: \(failures) of \(total) lines could not be scored\n".utf8))
            throw ExitCode(1)
        }
    }

    /// What one input line produced: output lines (none, one, or with --emit several), or a
    /// failure (its `{"id", "error"}` line and the message).
    enum LineResult {
        case lines([String])
        case failure(line: String, message: String)
    }

    /// Results for `lines`, in order: every valid line's sequences are scored in one packed call.
    private func score(_ lines: [String], model: RewardModel, encoder: InputEncoder,
                       identity: Selection.ModelIdentity) -> [LineResult] {
        func failure(_ id: String, _ message: String) -> LineResult {
            .failure(line: "{\"id\":\(id),\"error\":\(JSON.string(message))}", message: "line with id \(id): \(message)")
        }
        var outputs = [LineResult](repeating: .lines([]), count: lines.count)
        var pending: [(index: Int, id: String, group: InputEncoder.GroupLine?, range: Range<Int>)] = []
        var sequences: [[Int32]] = []
        for (index, line) in lines.enumerated() {
            switch encoder.encode(line: line) {
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
        let scores: [Float]
        do { scores = try model.score(sequences) } catch {
            // Every sequence was validated above, so this is a fault of the engine itself.
            for item in pending { outputs[item.index] = failure(item.id, "scoring failed: \(error)") }
            return outputs
        }
        for item in pending {
            let values = Array(scores[item.range])
            let lengths = sequences[item.range].map(\.count)
            do {
                outputs[item.index] = .lines(try output(id: item.id, values: values, lengths: lengths, group: item.group,
                                                       identity: identity))
            } catch {
                outputs[item.index] = failure(item.id, "\(error)")
            }
        }
        return outputs
    }

    /// The output lines of one scored input line.
    private func output(id: String, values: [Float], lengths: [Int], group: InputEncoder.GroupLine?,
                        identity: Selection.ModelIdentity) throws -> [String] {
        guard let group else {
            guard emit == .results else { throw CommandFailure("--emit \(emit.rawValue) needs group lines (prompt + candidates)") }
            guard values[0].isFinite else { throw CommandFailure("the model produced a non-finite score") }
            return ["{\"id\":\(id),\"score\":\(values[0]),\"num_tokens\":\(lengths[0])}"]
        }
        if emit != .results {
            guard let promptGroup = group.promptGroup else {
                throw CommandFailure("--emit \(emit.rawValue) needs the prompt and candidates as text, not ids")
            }
            let selection = try Selection(group: promptGroup, scores: values, numTokens: lengths, responseTokens: group.responseTokens)
            let records = TrainingRecords(group: promptGroup, selection: selection, model: identity)
            return emit == .sft ? records.sftSamples : records.preferencePairs
        }
        let decision = try group.policy.decide(try ScoredGroup(scores: values, responseTokens: group.responseTokens))
        var out = JSONWriter.Object()
        out.add("id", raw: id)
        out.add("scores", raw: JSON.floats(values))
        out.add("num_tokens", raw: JSONWriter.array(lengths))
        out.add("argmax", int: decision.argmax)
        out.add("ranking", raw: JSONWriter.array(decision.ranking))
        if !group.policy.isEmpty {
            out.add("policy", raw: group.policy.json)
            decision.addFields(to: &out)
        }
        return [out.text]
    }
}

/// How conversations and text become token ids.
struct TextOptions: ParsableArguments {
    @Option(name: .long, help: "Input longer than --max-length: reject (default) or truncate-left (keep BOS and the last tokens).")
    var overflow: OverflowPolicy = .reject

    @Option(name: .long, help: "Name of the chat template to use when the checkpoint has several.")
    var chatTemplate: String?
}

extension OverflowPolicy: ExpressibleByArgument {}
