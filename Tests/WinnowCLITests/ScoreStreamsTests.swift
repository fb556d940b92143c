import Foundation
import Testing

/// `winnow score`'s inputs and outputs at dataset scale: several inputs, gzip and zstd both ways
/// (checked against the real `gzip` and `zstd` tools), the progress summary, and a clear error
/// with a non-zero exit for every input or output that cannot be used.
@Suite struct ScoreStreamsTests {
    let base = ["score", "--model", ScoreRun.demoModel, "--policy", ScoreRun.policy, "--chunk-lines", "8"]

    @Test func compressedInputsAndOutputsRoundTrip() throws {
        let run = try ScoreRun()
        defer { run.remove() }
        let plainInput = try run.sampleGroups(copies: 30)
        let reference = try run.winnow(base + ["--input", plainInput, "--output", run.path("reference.jsonl"), "--quiet"])
        #expect(reference.status == 1)
        let expected = run.bytes("reference.jsonl")
        try #require(!expected.isEmpty)

        // The same lines as three inputs: a gzip file of two members, a zstd file, a plain file
        // without a final newline.
        let lines = String(decoding: run.bytes("in.jsonl"), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let parts = [lines[0..<100], lines[100..<200], lines[200..<250], lines[250..<270]].map { $0.joined(separator: "\n") }
        for (i, part) in parts.enumerated() {
            try Data((part + (i == 3 ? "" : "\n")).utf8).write(to: URL(fileURLWithPath: run.path("part\(i).jsonl")))
        }
        let directory = run.directory.path
        #expect(try ScoreRun.shell("cd '\(directory)' && gzip -c part0.jsonl > a.jsonl.gz && gzip -c part1.jsonl >> a.jsonl.gz && zstd -q -c part2.jsonl > b.jsonl.zst").status == 0)
        let inputs = ["--input", run.path("a.jsonl.gz"), "--input", run.path("b.jsonl.zst"), "--input", run.path("part3.jsonl")]

        for (suffix, tool) in [(".jsonl", "cat"), (".jsonl.gz", "gzip -dc"), (".jsonl.zst", "zstd -q -dc")] {
            let result = try run.winnow(base + inputs + ["--output", run.path("out" + suffix), "--quiet"])
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("30 of 270 lines could not be scored"), "\(result.stderr)")
            let decoded = try ScoreRun.shell("\(tool) '\(run.path("out" + suffix))'")
            #expect(decoded.status == 0, "\(tool) reads the output")
            #expect(decoded.stdout == expected, "\(suffix) output, decoded by \(tool), equals the plain run's")
        }
    }

    @Test func summaryCountsTheRunAndQuietSilencesIt() throws {
        let run = try ScoreRun()
        defer { run.remove() }
        let input = try run.sampleGroups(copies: 1)
        let loud = try run.winnow(base + ["--input", input, "--emit", "pairs"])
        #expect(loud.status == 1)
        #expect(loud.stderr.contains("winnow score: done lines=9 groups=8 candidates=32 tokens="), "\(loud.stderr)")
        #expect(loud.stderr.contains("errors=1"), "\(loud.stderr)")
        #expect(loud.stderr.contains("accepted=16 acceptance_rate=0.5000"), "\(loud.stderr)")
        let pairs = CLI.lines(loud.stdout).count
        #expect(loud.stderr.contains("pairs=\(pairs) "), "\(loud.stderr)")
        let quiet = try run.winnow(base + ["--input", input, "--emit", "pairs", "--quiet"])
        #expect(quiet.stdout == loud.stdout)
        #expect(!quiet.stderr.contains("done") && !quiet.stderr.contains("progress"), "\(quiet.stderr)")
        #expect(quiet.stderr.contains("1 of 9 lines could not be scored"))
    }

    @Test func unreadableInputsAreClearErrors() throws {
        let run = try ScoreRun()
        defer { run.remove() }
        let good = try run.sampleGroups(copies: 1)
        for (input, message) in [("/nonexistent/in.jsonl", "cannot read /nonexistent/in.jsonl: No such file or directory"),
                                 (run.directory.path, "cannot read \(run.directory.path): it is a directory")] {
            let result = try run.winnow(base + ["--input", good, "--input", input, "--output", run.path("out.jsonl")])
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!run.exists("out.jsonl"), "nothing is written when an input cannot be opened")
        }
    }

    @Test func aTruncatedOrCorruptCompressedInputStopsTheRunAndKeepsWhatWasWritten() throws {
        let run = try ScoreRun()
        defer { run.remove() }
        // Large enough for several zstd blocks: a decoder yields a block only once it is whole.
        let input = try run.sampleGroups(copies: 160)
        #expect(try run.winnow(base + ["--input", input, "--output", run.path("reference.jsonl"), "--quiet"]).status == 1)
        let reference = run.bytes("reference.jsonl")
        #expect(try ScoreRun.shell("cd '\(run.directory.path)' && gzip -c in.jsonl > in.jsonl.gz && zstd -q -c in.jsonl > in.jsonl.zst").status == 0)
        for (name, message) in [("in.jsonl.gz", "the gzip data ends in the middle of a member"),
                                ("in.jsonl.zst", "the zstd data ends in the middle of a frame")] {
            let whole = run.bytes(name)
            try whole.prefix(whole.count * 2 / 3).write(to: URL(fileURLWithPath: run.path("cut-" + name)))
            let result = try run.winnow(base + ["--input", run.path("cut-" + name), "--output", run.path("out.jsonl"), "--quiet"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("cannot read \(run.path("cut-" + name)): \(message)"), "\(result.stderr)")
            let partial = run.bytes("out.jsonl")
            #expect(partial.count > 0 && partial.last == 0x0A && reference.starts(with: partial), "\(name): whole chunks before the failure are kept")
            try? FileManager.default.removeItem(atPath: run.path("out.jsonl.checkpoint"))
        }
        var corrupt = run.bytes("in.jsonl.gz")
        for i in stride(from: corrupt.count / 2, to: corrupt.count / 2 + 64, by: 1) { corrupt[i] ^= 0x5A }
        try corrupt.write(to: URL(fileURLWithPath: run.path("bad.jsonl.gz")))
        let result = try run.winnow(base + ["--input", run.path("bad.jsonl.gz"), "--quiet"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("corrupt gzip data"), "\(result.stderr)")
    }

    @Test func unwritableOutputsAreClearErrors() throws {
        let run = try ScoreRun()
        defer { run.remove() }
        let input = try run.sampleGroups(copies: 2)
        let full = try run.winnow(base + ["--input", input, "--output", "/dev/full"])
        #expect(full.status == 1)
        #expect(full.stderr.contains("cannot write /dev/full: No space left on device"), "\(full.stderr)")
        let missing = try run.winnow(base + ["--input", input, "--output", "/nonexistent/dir/out.jsonl"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot write /nonexistent/dir/out.jsonl"), "\(missing.stderr)")
        let directory = try run.winnow(base + ["--input", input, "--output", run.directory.path])
        #expect(directory.status != 0 && directory.stderr.contains("it is a directory"), "\(directory.stderr)")
        let stdoutResume = try run.winnow(base + ["--input", input, "--resume"])
        #expect(stdoutResume.status != 0 && stdoutResume.stderr.contains("--resume needs --output FILE"), "\(stdoutResume.stderr)")
    }
}
