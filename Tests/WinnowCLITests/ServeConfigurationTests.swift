import Foundation
import Testing

/// `winnow serve` settings that are wrong fail at once with a message, before any broker is
/// contacted (the broker address below is never listened on).
@Suite struct ServeConfigurationTests {
    func configFile(_ json: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-config-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: url)
        return url
    }

    func serve(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(["serve", "--brokers", "127.0.0.1:1"] + arguments)
    }

    @Test(arguments: [
        (#"{"brokers": "x", "top_k": 1}"#, #"unknown key "top_k""#),
        (#"{"policy": {"rejection": {"top_k": 0}}}"#, "policy.rejection.top_k: must be an integer >= 1"),
        (#"{"kafka": ["a"]}"#, #""kafka" must be an object of librdkafka properties"#),
        (#"{"exactly_once": "maybe"}"#, "exactly_once (--exactly-once, WINNOW_EXACTLY_ONCE) must be true or false"),
        (#"{"max_candidates": -3}"#, "max_candidates (--max-candidates, WINNOW_MAX_CANDIDATES) must be an integer from 1 to 100000"),
        (#"{"drain_timeout": "soon"}"#, "drain_timeout (--drain-timeout, WINNOW_DRAIN_TIMEOUT) must be a number of seconds"),
        (#"{"weights": "fp8"}"#, #"weights (--weights, WINNOW_WEIGHTS) must be one of float32, bfloat16, got "fp8""#),
        (#"{"compute": "fp8"}"#, #"compute (--compute, WINNOW_COMPUTE) must be one of float32, int8, bfloat16, got "fp8""#),
        (#"{"token_budget": 0}"#, #"token_budget (--token-budget, WINNOW_TOKEN_BUDGET) must be an integer from 1 to 16777216, got "0""#),
        ("[1, 2]", "must hold a JSON object"),
        ("{", "is not JSON"),
    ])
    func badConfigFilesAreClearErrors(_ json: String, _ message: String) throws {
        let file = try configFile(json)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try serve(["--model", CLI.fixture("qwen3-tiny").path, "--config", file.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func theModelMayComeFromTheConfigFile() throws {
        // No --model: the file names a directory that is not a checkpoint, and the error says so.
        let file = try configFile(#"{"model": "/nonexistent/model-dir"}"#)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try serve(["--config", file.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot load model /nonexistent/model-dir"), "\(result.stderr)")
        let missing = try serve([])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("missing --model DIR"), "\(missing.stderr)")
    }

    @Test func aBadPolicyFlagIsAClearError() throws {
        let result = try serve(["--model", CLI.fixture("qwen3-tiny").path, "--policy", #"{"pairs": {"strategy": "worst"}}"#])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--policy: policy.pairs.strategy: must be one of"), "\(result.stderr)")
    }
}
