import ArgumentParser
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
        Each output line is {"id": ..., "score": float, "num_tokens": int}, in input order. A line
        that cannot be scored gets {"id": ..., "error": "..."} and the run goes on; the exit
        status is then 1.
        """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "JSONL input file, or - for standard input.")
    var input: String = "-"

    @Option(name: .long, help: "JSONL output file, or - for standard output.")
    var output: String = "-"

    @Option(name: .long, help: "Lines read before each scoring round (more lines, fuller batches).")
    var chunkLines: Int = 256

    func run() throws {
        let rewardModel = try model.loadModel()
        let encoder = InputEncoder(model: rewardModel)
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

    /// Output lines for `lines`: every valid line's ids are scored in one packed call.
    private func score(_ lines: [String], model: RewardModel, encoder: InputEncoder) -> [String] {
        var outputs = [String](repeating: "", count: lines.count)
        var pending: [(index: Int, id: String, ids: [Int32])] = []
        for (index, line) in lines.enumerated() {
            switch encoder.encode(line: line) {
            case .failure(let id, let message):
                outputs[index] = "{\"id\":\(id),\"error\":\(JSON.string(message))}"
            case .success(let id, let ids):
                pending.append((index, id, ids))
            }
        }
        do {
            let scores = try model.score(pending.map(\.ids))
            for (item, score) in zip(pending, scores) {
                outputs[item.index] = score.isFinite
                    ? "{\"id\":\(item.id),\"score\":\(score),\"num_tokens\":\(item.ids.count)}"
                    : "{\"id\":\(item.id),\"error\":\"the model produced a non-finite score\"}"
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
