import Foundation
import Testing

/// `winnow score --resume`: a run killed (SIGKILL) at random points and resumed writes the very
/// bytes an uninterrupted run writes — results, SFT rows and pairs, plain and compressed — and
/// a failed write never leaves a damaged file behind.
@Suite struct ScoreResumeTests {
    /// 1,350 lines (1,200 groups, 150 poison lines) in chunks of 8: long enough to be killed
    /// mid-way many times over.
    static let copies = 150

    func arguments(_ run: ScoreRun, input: String, emit: String) -> [String] {
        ["score", "--model", ScoreRun.demoModel, "--input", input, "--policy", ScoreRun.policy, "--emit", emit,
         "--chunk-lines", "8"]
    }

    @Test(arguments: [("results", ".jsonl"), ("sft", ".jsonl"), ("pairs", ".jsonl"),
                      ("results", ".jsonl.gz"), ("sft", ".jsonl.zst"), ("pairs", ".jsonl.gz")])
    func killedTwiceAndResumedGivesTheSameBytes(_ emit: String, _ suffix: String) throws {
        let run = try ScoreRun()
        defer { run.remove() }
        let base = arguments(run, input: try run.sampleGroups(copies: Self.copies), emit: emit)

        let uninterrupted = try run.winnow(base + ["--output", run.path("reference" + suffix), "--progress-interval", "0.05"])
        #expect(uninterrupted.status == 1, "the poison lines are errors: \(uninterrupted.stderr)")
        #expect(uninterrupted.stderr.contains("150 of 1350 lines could not be scored"), "\(uninterrupted.stderr)")
        #expect(uninterrupted.stderr.contains("lines_total=1350"), "progress lines: \(uninterrupted.stderr)")
        let reference = run.bytes("reference" + suffix)
        try #require(reference.count > 1000)
        #expect(!run.exists("reference" + suffix + ".checkpoint"), "a finished run removes its checkpoint")

        let output = "out" + suffix
        var generator = SystemRandomNumberGenerator()
        let first = Int.random(in: 1...(reference.count * 4 / 10), using: &generator)
        let second = Int.random(in: (reference.count * 5 / 10)...(reference.count * 8 / 10), using: &generator)
        let killed = try ScoreRun.start(base + ["--output", run.path(output), "--quiet"])
        #expect(run.kill(killed, whenSizeOf: output, reaches: first), "killed at \(first) of \(reference.count) bytes")
        #expect(run.exists(output + ".checkpoint"))
        // A torn tail, as a kill in the middle of a write leaves: the resume must drop it.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: run.path(output)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"group_id\": \"to".utf8))
        try handle.close()

        let resumed = try ScoreRun.start(base + ["--output", run.path(output), "--quiet", "--resume"])
        #expect(run.kill(resumed, whenSizeOf: output, reaches: second), "killed again at \(second) of \(reference.count) bytes")

        let finished = try run.winnow(base + ["--output", run.path(output), "--resume"])
        #expect(finished.status == 1, "errors before the resume still count: \(finished.stderr)")
        #expect(finished.stderr.contains("150 of 1350 lines could not be scored"), "\(finished.stderr)")
        #expect(run.bytes(output) == reference, "kills at \(first) and \(second) bytes of \(reference.count)")
        #expect(!run.exists(output + ".checkpoint"))
    }

    /// A file-size limit (as a full disk) stops the run with the reason; the file ends with the
    /// last whole chunk, and --resume completes it.
    @Test func aFailedWriteLeavesAWholeFileThatResumes() throws {
        let run = try ScoreRun()
        defer { run.remove() }
        let base = arguments(run, input: try run.sampleGroups(copies: 40), emit: "results")
        #expect(try run.winnow(base + ["--output", run.path("reference.jsonl"), "--quiet"]).status == 1)
        let reference = run.bytes("reference.jsonl")
        try #require(reference.count > 40 * 512)

        let command = ([CLI.executable.path] + base + ["--output", run.path("out.jsonl"), "--quiet"])
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -f 40; exec \(command)"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("cannot write \(run.path("out.jsonl")): File too large"), "\(stderr)")
        #expect(stderr.contains("run again with --resume"), "\(stderr)")

        let partial = run.bytes("out.jsonl")
        #expect(partial.count > 0 && partial.count <= 40 * 512)
        #expect(partial.last == 0x0A && reference.starts(with: partial), "the file is a whole prefix of the full output")

        let clobber = try run.winnow(base + ["--output", run.path("out.jsonl")])
        #expect(clobber.status != 0 && clobber.stderr.contains("--resume continues it"), "\(clobber.stderr)")
        #expect(run.bytes("out.jsonl") == partial, "a fresh run refuses to overwrite an unfinished output")
        let otherSettings = try run.winnow(base + ["--output", run.path("out.jsonl"), "--resume", "--chunk-lines", "9"])
        #expect(otherSettings.status != 0 && otherSettings.stderr.contains("chunk_lines: was 8, now 9"), "\(otherSettings.stderr)")

        let resumed = try run.winnow(base + ["--output", run.path("out.jsonl"), "--resume", "--quiet"])
        #expect(resumed.status == 1, "\(resumed.stderr)")
        #expect(run.bytes("out.jsonl") == reference)
        let again = try run.winnow(base + ["--output", run.path("out.jsonl"), "--resume"])
        #expect(again.status != 0 && again.stderr.contains("nothing to resume"), "\(again.stderr)")
        #expect(run.bytes("out.jsonl") == reference)
    }
}
