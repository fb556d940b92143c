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

        At dataset scale: --input may be given several times (read one after the other); inputs
        may be gzip or zstd (.gz, .zst; recognised by their first bytes), and an output named
        .gz or .zst is written so, one member/frame per chunk. Reading, tokenizing and writing
        run beside the forward passes. Progress goes to standard error (--quiet: none). A run
        writing to a file keeps OUTPUT.checkpoint (input lines answered, output bytes), replaced
        after each chunk and removed at the end; after an interruption --resume keeps what was
        written, drops a torn tail, skips the answered lines and writes the file an
        uninterrupted run would have written. An unreadable input, a full disk or an unwritable
        output stops the run with a message and exit status 1; what was written stays whole.
        """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, parsing: .singleValue,
            help: "JSONL input file (.gz and .zst are decompressed), or - for standard input; repeat to read several in turn.")
    var input: [String] = []

    @Option(name: .long, help: "JSONL output file (.gz or .zst: compressed), or - for standard output.")
    var output: String = "-"

    @Option(name: .long, help: "Most lines in one scoring round (more lines, fuller batches).")
    var chunkLines: Int = 256

    @Option(name: .long, help: "A scoring round also ends once its lines hold this many tokens (a few passes: fresh progress and checkpoints).")
    var chunkTokens: Int = 16384

    @Option(name: .long, help: ArgumentHelp("Selection policy for group lines, JSON or @FILE.", valueName: "json|@file"))
    var policy: String?

    @Option(name: .long, help: "What to write: results (default; one line per input line), sft (accepted samples) or pairs (preference pairs).")
    var emit: ChunkScorer.Emit = .results

    @Flag(name: .long, help: "Continue the interrupted run that was writing --output (from OUTPUT.checkpoint).")
    var resume = false

    @Flag(name: .long, help: "No progress or summary on standard error (lines that fail are still reported).")
    var quiet = false

    @Option(name: .long, help: "Seconds between progress lines when standard error is not a terminal.")
    var progressInterval: Double = 5

    @Option(name: .long, help: "Chunks prepared ahead of and written behind the forward passes; 0 runs the stages one after the other.")
    var pipelineDepth: Int = 2

    @OptionGroup var text: TextOptions

    func run() throws {
        // A file-size limit (ulimit -f) must be a write error like a full disk, not a signal.
        signal(SIGXFSZ, SIG_IGN)
        guard chunkLines > 0, chunkTokens > 0 else { throw CommandFailure("--chunk-lines and --chunk-tokens must be at least 1") }
        guard pipelineDepth >= 0 else { throw CommandFailure("--pipeline-depth must be 0 or more") }
        let inputs = input.isEmpty ? ["-"] : input
        let defaultPolicy = try policy.map { try PolicyOption.read($0) } ?? SelectionPolicy()
        if emit == .sft && defaultPolicy.rejection == nil {
            FileHandle.standardError.write(Data("winnow score: --emit sft without a \"rejection\" policy writes only groups whose own policy has one\n".utf8))
        }
        if emit == .pairs && defaultPolicy.pairs == nil {
            FileHandle.standardError.write(Data("winnow score: --emit pairs without a \"pairs\" policy writes only groups whose own policy has one\n".utf8))
        }
        // Everything that can be checked before the model loads is.
        try InputLines.checkReadable(inputs)
        let plan = try OutputPlan(output: output, resume: resume, settings: settings(inputs: inputs, policy: defaultPolicy))

        let rewardModel = try model.loadModel()
        let encoder = try InputEncoder(model: rewardModel, overflow: text.overflow, templateName: text.chatTemplate,
                                       defaultPolicy: defaultPolicy)
        let scorer = ChunkScorer(model: rewardModel, emit: emit,
                                 identity: Selection.ModelIdentity(name: rewardModel.directory.name, revision: rewardModel.directory.revision))
        let lines = InputLines(paths: inputs)
        guard try lines.skip(plan.checkpoint.inputLines) else {
            throw CommandFailure("cannot resume \(output): its checkpoint says \(plan.checkpoint.inputLines) input lines were answered, but the inputs have fewer")
        }
        let writer = try ChunkWriter(plan: plan)
        let progress = ScoreProgress(quiet: quiet, interval: progressInterval,
                                     counter: quiet ? nil : LineCounter(paths: inputs), resumedFrom: plan.checkpoint.totals)
        let reader = ChunkReader(input: lines, encoder: encoder, chunkLines: chunkLines, chunkTokens: chunkTokens)
        do {
            try ScorePipeline.run(depth: pipelineDepth, read: reader.next, score: scorer.score) { scored in
                try writer.write(scored)
                scored.messages.forEach(progress.message)
                progress.written(writer.lastTotals, forwardSeconds: scored.forwardSeconds)
            }
            try writer.finish()
        } catch {
            _ = progress.finish(completed: false)
            throw CommandFailure("\(error)" + writer.resumeAdvice)
        }
        let totals = progress.finish().totals
        if totals.errors > 0 {
            FileHandle.standardError.write(Data("winnow score: \(totals.errors) of \(totals.records) lines could not be scored\n".utf8))
            throw ExitCode(1)
        }
    }

    /// What the output bytes depend on; a resumed run must have the same.
    private func settings(inputs: [String], policy: SelectionPolicy) -> [String: String] {
        var settings = [
            "inputs": inputs.joined(separator: "\n"),
            "model": model.model ?? "",
            "token_budget": model.tokenBudget.map(String.init) ?? "default",
            "max_length": model.maxLength.map(String.init) ?? "default",
            "weights": model.weights?.rawValue ?? "default",
            "chunk_lines": String(chunkLines),
            "chunk_tokens": String(chunkTokens),
            "emit": emit.rawValue,
            "policy": policy.jsonValue.jsonText,
            "overflow": "\(text.overflow)",
            "chat_template": text.chatTemplate ?? "default",
        ]
        // Only when it changes scores, so runs started before --compute existed still resume.
        if let compute = model.compute, compute != .float32 { settings["compute"] = compute.rawValue }
        return settings
    }
}

extension ChunkScorer.Emit: ExpressibleByArgument {}

/// How conversations and text become token ids.
struct TextOptions: ParsableArguments {
    @Option(name: .long, help: "Input longer than --max-length: reject (default) or truncate-left (keep BOS and the last tokens).")
    var overflow: OverflowPolicy = .reject

    @Option(name: .long, help: "Name of the chat template to use when the checkpoint has several.")
    var chatTemplate: String?
}

extension OverflowPolicy: ExpressibleByArgument {}
