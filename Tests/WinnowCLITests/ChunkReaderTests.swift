import Foundation
import RewardEngine
import Testing
import WinnowJSON
@testable import WinnowCLI

/// Separate lines that share a prompt are scored as one group only when they are in one chunk:
/// chunks never end inside such a run, and which lines a chunk holds depends only on where it
/// starts (so a resumed run forms the same chunks).
@Suite struct ChunkReaderTests {
    static let sharedPrompt = "Please work this out carefully and give only the final number: what is 7 * 8?"

    func messagesLine(_ id: String, user: String, answer: String) -> String {
        "{\"id\": \"\(id)\", \"messages\": [{\"role\": \"user\", \"content\": \"\(user)\"}, {\"role\": \"assistant\", \"content\": \"\(answer)\"}]}"
    }

    /// Chunk line ids for `lines` read `chunkLines` at a time, starting at physical line `start`.
    func chunks(_ lines: [String], chunkLines: Int, start: Int = 0) throws -> [[String]] {
        let run = try ScoreRun()
        defer { run.remove() }
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: run.path("in.jsonl")))
        let model = try RewardModel(path: ScoreRun.demoModel)
        let encoder = try InputEncoder(model: model, overflow: .reject, templateName: nil)
        let input = InputLines(paths: [run.path("in.jsonl")])
        #expect(try input.skip(start))
        let reader = ChunkReader(input: input, encoder: encoder, chunkLines: chunkLines)
        var result: [[String]] = []
        while let chunk = try reader.next() {
            result.append(chunk.lines.map {
                switch $0.outcome {
                case .sequence(let id, _), .group(let id, _, _), .failure(let id, _): return id.jsonText
                }
            })
        }
        return result
    }

    @Test func aSharedPromptIsNeverSplitAcrossChunks() throws {
        var lines = [messagesLine("a", user: "What is 2 + 2?", answer: "4")]
        lines += (1...5).map { messagesLine("s\($0)", user: Self.sharedPrompt, answer: "It is \(50 + $0).") }
        lines += ["", messagesLine("b", user: "What is 3 - 1?", answer: "2"), messagesLine("c", user: "What is 9 - 1?", answer: "8")]
        lines += (1...2).map { messagesLine("t\($0)", user: Self.sharedPrompt + " Think.", answer: "\($0)") }
        let formed = try chunks(lines, chunkLines: 3)
        // "a" alone (s1, s2 held back), the whole run s1...s5 (grown past 3 lines), then b, c
        // (t1 held back: it could share with t2), then t1, t2.
        #expect(formed == [["\"a\""], ["\"s1\"", "\"s2\"", "\"s3\"", "\"s4\"", "\"s5\""], ["\"b\"", "\"c\""], ["\"t1\"", "\"t2\""]], "\(formed)")
        // Starting where the second chunk starts (physical line 1) forms the same chunks from there.
        #expect(try chunks(lines, chunkLines: 3, start: 1) == Array(formed.dropFirst()))
        // Group lines are never held back.
        let groups = (0..<5).map { "{\"id\": \($0), \"prompt\": \"\(Self.sharedPrompt)\", \"candidates\": [\" 56\", \" 54\"]}" }
        #expect(try chunks(groups, chunkLines: 2) == [["0", "1"], ["2", "3"], ["4"]])
    }
}
