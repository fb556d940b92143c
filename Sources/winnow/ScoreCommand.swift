import ArgumentParser
import ChatText
import Foundation
import RewardModel

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
          {"id": ..., "prompt": [messages] | "text", "candidates": ["response" | {"response": ...}, ...]}
          {"id": ..., "prompt_ids": [int, ...], "candidate_ids": [[int, ...], ...]}
        Each candidate is the prompt plus an assistant turn with its response (a text prompt is
        followed by the response text). It writes {"id": ..., "scores": [float], "num_tokens": [int],
        "argmax": int, "ranking": [int]} (ranking: candidate indices, best first, ties by order).

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

    @OptionGroup var text: TextOptions

    func run() throws {
        let rewardModel = try model.loadModel()
        let encoder = try InputEncoder(model: rewardModel, overflow: text.overflow, templateName: text.chatTemplate)
        let reader = try LineReader(path: input)
        let writer = try LineWriter(path: output)
        var failures = 0, total = 0
        var chunk: [String] = []
        func flushChunk() {
            let results = score(chunk, model: rewardModel, encoder: encoder)
            for result in results {
                if result.contains("\"error\":") { failures += 1 }
                writer.write(result)
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

    /// Output lines for `lines`: every valid line's sequences are scored in one packed call.
    private func score(_ lines: [String], model: RewardModel, encoder: InputEncoder) -> [String] {
        var outputs = [String](repeating: "", count: lines.count)
        var pending: [(index: Int, id: String, isGroup: Bool, range: Range<Int>)] = []
        var sequences: [[Int32]] = []
        for (index, line) in lines.enumerated() {
            switch encoder.encode(line: line) {
            case .failure(let id, let message):
                outputs[index] = "{\"id\":\(id),\"error\":\(JSON.string(message))}"
            case .sequence(let id, let ids):
                pending.append((index, id, false, sequences.count..<sequences.count + 1))
                sequences.append(ids)
            case .group(let id, let candidates):
                pending.append((index, id, true, sequences.count..<sequences.count + candidates.count))
                sequences += candidates
            }
        }
        do {
            let scores = try model.score(sequences)
            for item in pending {
                let values = Array(scores[item.range])
                let lengths = sequences[item.range].map(\.count)
                guard values.allSatisfy(\.isFinite) else {
                    outputs[item.index] = "{\"id\":\(item.id),\"error\":\"the model produced a non-finite score\"}"
                    continue
                }
                if item.isGroup {
                    let ranking = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
                    outputs[item.index] = "{\"id\":\(item.id),\"scores\":\(JSON.floats(values)),\"num_tokens\":\(lengths),\"argmax\":\(ranking[0]),\"ranking\":\(ranking)}"
                } else {
                    outputs[item.index] = "{\"id\":\(item.id),\"score\":\(values[0]),\"num_tokens\":\(lengths[0])}"
                }
            }
        } catch {
            // Every sequence was validated above, so this is a fault of the engine itself.
            for item in pending {
                outputs[item.index] = "{\"id\":\(item.id),\"error\":\(JSON.string("scoring failed: \(error)"))}"
            }
        }
        return outputs
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
