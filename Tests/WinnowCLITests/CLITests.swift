import Foundation
import Testing

/// Runs the built `winnow` executable as a user would.
enum CLI {
    /// The `winnow` binary beside the test bundle in the build products directory.
    static var executable: URL {
        var directory = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("winnow").path),
              directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("winnow")
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ arguments: [String], stdin: String = "") throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }

    /// Tests/RewardEngineTests/Fixtures/NAME in the source tree.
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("RewardEngineTests/Fixtures/\(name)")
    }

    static func lines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }
}

@Suite struct ScoreCommandTests {
    struct Expected: Decodable {
        struct Sequence: Decodable { var input_ids: [Int]; var score: Double }
        var sequences: [Sequence]
    }

    @Test(arguments: ["qwen3-tiny", "llama-tiny"])
    func scoresInputIDsInOrder(_ name: String) throws {
        let directory = CLI.fixture(name)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        let input = expected.sequences.enumerated().map { i, s in
            "{\"id\": \"seq-\(i)\", \"input_ids\": \(s.input_ids)}"
        }.joined(separator: "\n")
        let result = try CLI.run(["score", "--model", directory.path], stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = CLI.lines(result.stdout)
        #expect(lines.count == expected.sequences.count)
        for (i, (line, sequence)) in zip(lines, expected.sequences).enumerated() {
            #expect(line["id"] as? String == "seq-\(i)")
            #expect(line["num_tokens"] as? Int == sequence.input_ids.count)
            let score = try #require(line["score"] as? Double)
            #expect(abs(score - sequence.score) <= 1e-3 * max(1, abs(sequence.score)))
        }
    }

    @Test func badLinesGetAnErrorAndTheRunGoesOn() throws {
        let input = """
        {"id": 1, "input_ids": [5, 6, 7]}
        this is not json
        {"id": 2}
        {"id": 3, "input_ids": []}
        {"id": 4, "input_ids": [1, 99999]}
        {"id": 5, "input_ids": [1, 2.5]}
        {"id": 6, "input_ids": "1 2 3"}
        {"id": {"nested": true}, "input_ids": [9]}
        {"id": 7, "input_ids": [true, 1]}
        """
        let result = try CLI.run(["score", "--model", CLI.fixture("qwen3-tiny").path], stdin: input)
        #expect(result.status == 1)
        #expect(result.stderr.contains("7 of 9 lines could not be scored"))
        let lines = CLI.lines(result.stdout)
        try #require(lines.count == 9)
        #expect(lines[0]["score"] is Double && lines[0]["id"] as? Int == 1)
        #expect((lines[1]["error"] as? String)?.contains("not a JSON object") == true && lines[1]["id"] is NSNull)
        #expect((lines[2]["error"] as? String)?.contains("none of") == true)
        #expect((lines[3]["error"] as? String)?.contains("empty") == true)
        #expect((lines[4]["error"] as? String)?.contains("outside the vocabulary") == true)
        #expect((lines[5]["error"] as? String)?.contains("integers") == true)
        #expect((lines[6]["error"] as? String)?.contains("integers") == true)
        #expect((lines[7]["id"] as? [String: Any])?["nested"] as? Bool == true && lines[7]["score"] is Double)
        #expect((lines[8]["error"] as? String)?.contains("integers") == true)
    }

    /// One line, one group: the prompt is computed once, every candidate gets its score.
    @Test func groupOfIDs() throws {
        let directory = CLI.fixture("qwen3-tiny")
        let prompt = Array(1...40), candidates = [[5, 6], [7], [8, 9, 10], [], [5, 6]]
        let group = "{\"id\": \"g\", \"prompt_ids\": \(prompt), \"candidate_ids\": \(candidates)}"
        let singles = candidates.enumerated().map { "{\"id\": \($0.offset), \"input_ids\": \(prompt + $0.element)}" }
        let result = try CLI.run(["score", "--model", directory.path], stdin: ([group] + singles).joined(separator: "\n"))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = CLI.lines(result.stdout)
        try #require(lines.count == 1 + candidates.count)
        let scores = try #require(lines[0]["scores"] as? [Double])
        let alone = lines.dropFirst().map { $0["score"] as! Double }
        for (a, b) in zip(scores, alone) { #expect(abs(a - b) <= 1e-3 * max(1, abs(b))) }
        #expect(lines[0]["num_tokens"] as? [Int] == candidates.map { prompt.count + $0.count })
        let ranking = try #require(lines[0]["ranking"] as? [Int])
        #expect(ranking.count == candidates.count && Set(ranking) == Set(candidates.indices))
        #expect(lines[0]["argmax"] as? Int == ranking[0])
        #expect(scores[ranking[0]] == scores.max())
        // Candidates 0 and 4 are identical: the tie goes to the earlier one.
        #expect(ranking.firstIndex(of: 0)! < ranking.firstIndex(of: 4)!)
    }

    @Test func malformedGroupsAreErrors() throws {
        let input = """
        {"id": 1, "prompt_ids": [1, 2], "candidate_ids": []}
        {"id": 2, "prompt_ids": [1, 2]}
        {"id": 3, "prompt_ids": [1, 2], "candidate_ids": [[1], "x"]}
        {"id": 4, "prompt": [{"role": "user", "content": "hi"}], "candidates": ["a"]}
        """
        let result = try CLI.run(["score", "--model", CLI.fixture("qwen3-tiny").path], stdin: input)
        #expect(result.status == 1)
        let errors = CLI.lines(result.stdout).map { $0["error"] as? String ?? "" }
        #expect(errors[0].contains("no candidates"))
        #expect(errors[1].contains("candidate_ids"))
        #expect(errors[2].contains("integers"))
        #expect(errors[3].contains("no tokenizer.json"))
    }

    @Test func overLengthInputIsRejected() throws {
        let ids = [Int](repeating: 3, count: 40)
        let result = try CLI.run(["score", "--model", CLI.fixture("qwen3-tiny").path, "--max-length", "32"],
                                 stdin: "{\"id\": 1, \"input_ids\": \(ids)}")
        #expect(result.status == 1)
        #expect((CLI.lines(result.stdout).first?["error"] as? String)?.contains("40 tokens exceed the limit of 32") == true)
    }

    @Test func unknownModelDirectoryIsAClearError() throws {
        let result = try CLI.run(["score", "--model", "/nonexistent/model"], stdin: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/model"))
    }

    @Test func filesInAndOut() throws {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temp) }
        let input = temp.appendingPathComponent("in.jsonl"), output = temp.appendingPathComponent("out.jsonl")
        try Data("{\"id\": \"a\", \"input_ids\": [1, 2, 3]}\n\n{\"id\": \"b\", \"input_ids\": [4]}\n".utf8).write(to: input)
        let result = try CLI.run(["score", "--model", CLI.fixture("llama-tiny").path, "--input", input.path, "--output", output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = CLI.lines(try String(contentsOf: output, encoding: .utf8))
        #expect(lines.map { $0["id"] as? String } == ["a", "b"])
    }
}

@Suite struct BenchCommandTests {
    @Test func printsThroughputAndMemory() throws {
        let result = try CLI.run(["bench", "--model", CLI.fixture("qwen3-tiny").path, "--sequences", "2",
                                  "--tokens", "32", "--repeats", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(CLI.lines(result.stdout).first)
        #expect((report["tokens_per_s"] as? Double ?? 0) > 0)
        #expect((report["peak_rss_bytes"] as? Int ?? 0) > 0)
        #expect(report["sequences"] as? Int == 2 && report["tokens"] as? Int == 32)
    }
}
