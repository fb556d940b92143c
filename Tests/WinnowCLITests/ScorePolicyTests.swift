import Foundation
import Testing

/// `winnow score` with selection policies: the decisions on group lines, and --emit's SFT and
/// pair files. (That they equal the service's topics is checked in PolicyIntegrationTests.)
@Suite struct ScorePolicyTests {
    let model = CLI.fixture("qwen3-tiny").path
    let prompt = Array(1...24)
    let candidates = [[5, 6], [7], [8, 9, 10], [11, 12, 13, 14]]

    var idGroup: String { "{\"id\": \"g\", \"prompt_ids\": \(prompt), \"candidate_ids\": \(candidates)}" }

    @Test func groupLinesCarryThePolicyAndItsDecision() throws {
        let policy = #"{"rejection": {"top_k": 2}, "pairs": {"strategy": "all_pairs", "max_pairs": 4}, "rewards": {"length": {"mode": "normalize"}, "baseline": "rloo"}}"#
        let result = try CLI.run(["score", "--model", model, "--policy", policy], stdin: idGroup)
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(CLI.lines(result.stdout).first)
        let scores = line["scores"] as! [Double], ranking = line["ranking"] as! [Int]
        let rejection = try #require(line["rejection"] as? [String: Any])
        #expect(rejection["outcome"] as? String == "accepted")
        #expect(rejection["accepted"] as? [Int] == Array(ranking.prefix(2)))
        let pairs = try #require(line["pairs"] as? [[String: Any]])
        #expect(pairs.count == 4)
        let margins = pairs.map { $0["margin"] as! Double }
        #expect(margins == margins.sorted(by: >))
        for pair in pairs {
            let chosen = pair["chosen"] as! Int, rejected = pair["rejected"] as! Int
            #expect(abs(pair["margin"] as! Double - (scores[chosen] - scores[rejected])) < 1e-5)
        }
        // Length-normalised by the candidate's own ids, then leave-one-out.
        let rewards = try #require(line["rewards"] as? [String: Any])
        let values = rewards["values"] as! [Double], advantages = rewards["advantages"] as! [Double]
        for i in candidates.indices {
            #expect(abs(values[i] - scores[i] / Double(candidates[i].count)) < 1e-5)
            let others = values.indices.filter { $0 != i }.map { values[$0] }
            #expect(abs(advantages[i] - (values[i] - others.reduce(0, +) / 3)) < 1e-9)
        }
        #expect((line["policy"] as? [String: Any])?.keys.sorted() == ["pairs", "rejection", "rewards"])
    }

    @Test func aLinesOwnPolicyOverridesAndAnInvalidOneIsAnError() throws {
        let own = "{\"id\": \"own\", \"prompt_ids\": \(prompt), \"candidate_ids\": \(candidates), \"policy\": {\"rejection\": {\"threshold\": 1e9, \"when_none_pass\": \"best\"}, \"pairs\": null}}"
        let bad = "{\"id\": \"bad\", \"prompt_ids\": \(prompt), \"candidate_ids\": \(candidates), \"policy\": {\"rejection\": {\"top_k\": -1}}}"
        let result = try CLI.run(["score", "--model", model, "--policy", #"{"pairs": {}}"#], stdin: [idGroup, own, bad].joined(separator: "\n"))
        #expect(result.status == 1)
        let lines = CLI.lines(result.stdout)
        try #require(lines.count == 3)
        #expect(lines[0]["pairs"] is [Any] && lines[0]["rejection"] == nil)
        #expect(lines[1]["pairs"] == nil)
        let rejection = try #require(lines[1]["rejection"] as? [String: Any])
        #expect(rejection["outcome"] as? String == "fell_back_to_best")
        #expect(rejection["accepted"] as? [Int] == [lines[1]["argmax"] as! Int])
        #expect((lines[2]["error"] as? String)?.contains("policy.rejection.top_k: must be an integer >= 1") == true, "\(lines[2])")
    }

    @Test func invalidPolicyFlagIsAClearError() throws {
        for (policy, message) in [(#"{"rejection": {"top_fraction": 2}}"#, "--policy: policy.rejection.top_fraction: must be in (0, 1]"),
                                  ("@/nonexistent/policy.json", "--policy: cannot read /nonexistent/policy.json"),
                                  ("{nope", "--policy: policy: is not JSON")] {
            let result = try CLI.run(["score", "--model", model, "--policy", policy], stdin: idGroup)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test func policyFromAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).json")
        try Data(#"{"rejection": {"top_k": 1}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["score", "--model", model, "--policy", "@\(file.path)"], stdin: idGroup)
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(CLI.lines(result.stdout).first)
        #expect((line["rejection"] as? [String: Any])?["accepted"] as? [Int] == [line["argmax"] as! Int])
    }

    @Test func emitNeedsTextGroups() throws {
        let result = try CLI.run(["score", "--model", model, "--policy", #"{"rejection": {}}"#, "--emit", "sft"],
                                 stdin: idGroup + "\n{\"id\": 2, \"input_ids\": [1, 2, 3]}")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "no error lines in an SFT file")
        #expect(result.stderr.contains("line with id \"g\": --emit sft needs the prompt and candidates as text, not ids"), "\(result.stderr)")
        #expect(result.stderr.contains("line with id 2: --emit sft needs group lines"))
    }

    @Test func emitWritesSFTRowsAndPairsFromTextGroups() throws {
        let demo = DemoModelTests.modelDirectory.path
        let groups = """
        {"group_id": "a", "prompt": [{"role": "user", "content": "What is 2 + 3?"}], "candidates": [{"id": "x", "response": "2 + 3 = 5."}, "2 + 3 = 7.", "It is 5."], "metadata": {"k": 1}}
        {"id": "b", "prompt": "Q: 4 - 1 =", "candidates": [" 3", " 2"]}
        """
        let policy = #"{"rejection": {"top_k": 2}, "pairs": {"strategy": "best_vs_rest"}}"#
        let results = CLI.lines(try CLI.run(["score", "--model", demo, "--policy", policy], stdin: groups).stdout)
        let sft = try CLI.run(["score", "--model", demo, "--policy", policy, "--emit", "sft"], stdin: groups)
        let pairs = try CLI.run(["score", "--model", demo, "--policy", policy, "--emit", "pairs"], stdin: groups)
        #expect(sft.status == 0 && pairs.status == 0, "\(sft.stderr) \(pairs.stderr)")
        let rows = CLI.lines(sft.stdout)
        #expect(rows.count == 4)  // two per group
        #expect(rows.map { $0["group_id"] as! String } == ["a", "a", "b", "b"])
        let a = results[0], accepted = (a["rejection"] as! [String: Any])["accepted"] as! [Int]
        #expect(rows.prefix(2).map { ($0["candidate"] as! [String: Any])["index"] as! Int } == accepted)
        #expect(rows[0]["rank"] as? Int == 0 && rows[1]["rank"] as? Int == 1)
        #expect(rows[0]["metadata"] as? [String: Int] == ["k": 1])
        #expect((rows[2]["prompt"] as? String) == "Q: 4 - 1 =")
        let responses = ["2 + 3 = 5.", "2 + 3 = 7.", "It is 5."]
        #expect(rows[0]["response"] as? String == responses[accepted[0]])
        let pairRows = CLI.lines(pairs.stdout)
        #expect(pairRows.count == ((a["pairs"] as! [Any]).count + (results[1]["pairs"] as! [Any]).count))
        for row in pairRows {
            #expect(row["chosen"] is String && row["rejected"] is String && (row["margin"] as! Double) > 0)
            #expect((row["model"] as? [String: Any])?["name"] as? String == "demo-model")
        }
    }
}
