import Foundation
import Testing

/// Helpers for `winnow score` runs at dataset scale: a scratch directory, a large input made of
/// the demo's sample groups, runs in the background that a test can kill, and the real gzip and
/// zstd tools.
struct ScoreRun {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static let demoModel = DemoModelTests.modelDirectory.path
    static let policy = #"{"rejection": {"top_k": 2, "min_group_size": 4}, "pairs": {"strategy": "best_vs_rest"}}"#

    /// deploy/local/sample-groups.jsonl (8 groups and a poison line) `copies` times, with group
    /// ids made unique, as `name`; returns its path.
    func sampleGroups(copies: Int, name: String = "in.jsonl") throws -> String {
        let source = DemoModelTests.modelDirectory.deletingLastPathComponent().appendingPathComponent("sample-groups.jsonl")
        let lines = try String(contentsOf: source, encoding: .utf8).split(separator: "\n").filter { !$0.isEmpty }
        var text = ""
        for copy in 0..<copies {
            for line in lines {
                text += line.replacingOccurrences(of: "\"group_id\": \"", with: "\"group_id\": \"\(copy)-") + "\n"
            }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    func bytes(_ name: String) -> Data { (try? Data(contentsOf: URL(fileURLWithPath: path(name)))) ?? Data() }

    func size(_ name: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path(name)))?[.size] as? Int) ?? 0
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Runs `winnow` to its end with standard output and error going to files (pipes read one
    /// after the other could fill and stall a run that prints much progress).
    func winnow(_ arguments: [String]) throws -> CLI.Result {
        let id = UUID().uuidString
        let out = directory.appendingPathComponent("stdout-\(id)"), err = directory.appendingPathComponent("stderr-\(id)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        return CLI.Result(status: process.terminationStatus,
                          stdout: String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
                          stderr: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self))
    }

    /// Starts `winnow` with its output streams discarded.
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits until `name` holds at least `bytes` bytes, then SIGKILLs `process`. False if the
    /// process ended by itself first.
    func kill(_ process: Process, whenSizeOf name: String, reaches bytes: Int) -> Bool {
        while process.isRunning && size(name) < bytes { usleep(1_000) }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// Runs a tool (`/bin/sh -c` command line) and returns its standard output.
    static func shell(_ command: String) throws -> (status: Int32, stdout: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }
}
