import Foundation

/// Where `winnow score` writes and where it starts: a fresh output, or the checkpointed prefix of
/// an interrupted run's (`--resume`). Decided, and every refusal explained, before the model loads.
struct OutputPlan {
    let output: String
    /// Nil for standard output, which cannot be resumed.
    let checkpointPath: String?
    /// Where the run starts: zero, or the interrupted run's last checkpoint.
    let checkpoint: ScoreCheckpoint
    let resuming: Bool

    init(output: String, resume: Bool, settings: [String: String]) throws {
        self.output = output
        guard output != "-" else {
            if resume { throw CommandFailure("--resume needs --output FILE: a run writing to standard output cannot be resumed") }
            checkpointPath = nil
            checkpoint = ScoreCheckpoint(settings: settings)
            resuming = false
            return
        }
        let path = ScoreCheckpoint.path(forOutput: output)
        checkpointPath = path
        let existing = try ScoreCheckpoint.read(path)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue { throw CommandFailure("cannot write \(output): it is a directory") }
        let directory = (output as NSString).deletingLastPathComponent
        if !exists && access(directory.isEmpty ? "." : directory, W_OK) != 0 {
            throw CommandFailure("cannot write \(output): \(String(cString: strerror(errno)))")
        }
        if exists && access(output, W_OK) != 0 {
            throw CommandFailure("cannot write \(output): \(String(cString: strerror(errno)))")
        }
        if let existing {
            guard resume else {
                throw CommandFailure("\(output) is the output of an unfinished run (\(path) records how far it got): --resume continues it; remove \(path) to start over")
            }
            if let difference = existing.mismatch(with: settings) {
                throw CommandFailure("cannot resume \(output): the run that wrote it had other settings (\(difference))")
            }
            checkpoint = existing
            resuming = true
            return
        }
        if resume, exists, let size = try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int, size > 0 {
            throw CommandFailure("nothing to resume: \(output) has no checkpoint (\(path)); the run that wrote it finished, or it was not written by winnow score")
        }
        checkpoint = ScoreCheckpoint(settings: settings)
        resuming = false
    }
}

/// The last stage of `winnow score`: each chunk's lines appended to the output (compressed as
/// the output's name says, one gzip member or zstd frame per chunk), synced, then recorded in
/// the checkpoint. A failed write cuts the file back to the last checkpoint, so the output
/// always ends with a complete chunk and `--resume` can go on from there.
final class ChunkWriter {
    private let file: OutputFile
    private let compression: ChunkCompression
    /// Nil when there is nothing to resume into (standard output, a device).
    private let checkpointPath: String?
    /// What is on disk: the output up to `checkpoint.outputBytes` answers `checkpoint.inputLines`.
    private(set) var checkpoint: ScoreCheckpoint
    /// The counts of the chunk written last, with its input lines.
    private(set) var lastTotals = ScoreTotals()

    init(plan: OutputPlan) throws {
        file = try OutputFile(path: plan.output, keeping: plan.resuming ? plan.checkpoint.outputBytes : nil)
        compression = ChunkCompression(path: plan.output)
        checkpointPath = file.isRegularFile ? plan.checkpointPath : nil
        checkpoint = plan.checkpoint
        checkpoint.outputBytes = file.isRegularFile ? file.size : 0
        // From the first moment on, an interruption is resumable.
        if let checkpointPath { try checkpoint.write(to: checkpointPath) }
    }

    func write(_ scored: ChunkScorer.Scored) throws {
        var totals = scored.totals
        totals.lines = scored.endLine - checkpoint.inputLines
        var next = checkpoint
        next.inputLines = scored.endLine
        next.totals.add(totals)
        do {
            if !scored.text.isEmpty { try file.write(try compression.encode(scored.text)) }
            if let checkpointPath {
                try file.sync()
                next.outputBytes = file.size
                try next.write(to: checkpointPath)
            }
        } catch {
            // Whatever part of this chunk reached the file goes: the file ends at the checkpoint.
            try? file.truncate(to: checkpoint.outputBytes)
            throw error
        }
        checkpoint = next
        lastTotals = totals
    }

    /// The run is complete: the output is synced and the checkpoint removed.
    func finish() throws {
        try file.sync()
        if let checkpointPath { unlink(checkpointPath) }
    }

    /// After a failure: how to continue.
    var resumeAdvice: String {
        guard checkpointPath != nil else { return "" }
        return "\nwinnow score: \(checkpoint.inputLines) input lines are answered in \(file.path) (kept whole); fix the cause and run again with --resume to continue"
    }
}
