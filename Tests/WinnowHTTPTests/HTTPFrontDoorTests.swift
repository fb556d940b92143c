import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `winnow serve --http-address` driven by real clients: Python `requests` and
/// `transformers.AutoTokenizer` (the venv scripts/fetch-http-client-venv.sh makes), curl for the
/// probes. Each client script asserts what it checks and exits non-zero with the reason.
@Suite("HTTP front door", .serialized)
struct HTTPFrontDoorTests {
    @Test("The Skywork-Reward-V2 model card's SGLang client gets transformers' scores")
    func modelCardClient() throws {
        let server = try HTTPServer()
        try runClient("skywork_model_card_client.py", server.baseURL, demoModel.path)
    }

    @Test("vLLM-style requests (classify, pooling, ids, messages, veRL's one-per-request) get transformers' scores")
    func vllmClients() throws {
        let server = try HTTPServer()
        try runClient("vllm_clients.py", server.baseURL, demoModel.path)
    }

    @Test("OpenRLHF's remote reward model call gets serve_rm's rewards")
    func openRLHFClient() throws {
        let server = try HTTPServer()
        try runClient("openrlhf_client.py", server.baseURL, demoModel.path)
    }

    @Test("/v1/groups: prompt-group records in, schema-valid selections out, policies applied")
    func groupsRoundTrip() throws {
        let server = try HTTPServer(extra: ["--max-candidates", "16"])
        try runClient("groups_roundtrip.py", server.baseURL, demoModel.path, repositoryRoot.path)
    }

    @Test("Bad requests, slow clients and resets: clear 4xx JSON errors, the server keeps serving")
    func badRequests() throws {
        let server = try HTTPServer(extra: ["--http-max-body-bytes", "65536", "--http-max-inputs", "256", "--http-timeout", "3"])
        try runClient("bad_requests.py", server.baseURL)
        #expect(server.isRunning, "the server is still up")
        let metrics = try curl(server.baseURL + "/metrics")
        #expect(metrics.contains("winnow_http_request_errors_total{endpoint=\"/classify\",status=\"400\"}"), "\(metrics)")
        #expect(metrics.contains("winnow_http_request_errors_total{endpoint=\"/classify\",status=\"413\"}"))
    }

    @Test("Beyond --http-max-queue: 503 with Retry-After and a JSON error; queued requests still scored")
    func overload() throws {
        let server = try HTTPServer(extra: ["--http-max-queue", "1", "--http-batch-window-ms", "3000"])
        try runClient("overload.py", server.baseURL)
    }

    @Test("Concurrent single-sample requests share a batch and their prompt; SIGTERM answers open requests, exits 0")
    func batchingAndDrain() async throws {
        let server = try HTTPServer(extra: ["--http-batch-window-ms", "300"])
        try runClient("batching_and_drain.py", server.baseURL, demoModel.path, String(server.pid))
        let status = await server.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "exit status \(String(describing: status)); log:\n\(server.log)")
    }

    @Test("Probes and metrics: /healthz, /readyz, /metrics with curl; --metrics-address as a second listener")
    func probes() throws {
        let server = try HTTPServer(extra: ["--metrics-address", "127.0.0.1:0"])
        #expect(try curl(server.baseURL + "/healthz") == "ok\n")
        #expect(try curl(server.baseURL + "/readyz") == "ready\n")
        let metrics = try curl(server.baseURL + "/metrics")
        for series in ["winnow_http_requests_total", "winnow_http_queue_duration_seconds", "winnow_http_batch_requests",
                       "winnow_http_prefix_tokens_reused_total", "winnow_http_queue_size"] {
            #expect(metrics.contains("# TYPE \(series) "), "\(series) in /metrics")
        }
        // The second listener starts right after the first; wait for its log line.
        var ports = server.listeningPorts
        for _ in 0..<200 where ports.count < 2 {
            usleep(50_000)
            ports = server.listeningPorts
        }
        #expect(ports.count == 2, "front door and metrics listener: \(server.log)")
        if let metricsPort = ports.last {
            #expect(try curl("http://127.0.0.1:\(metricsPort)/readyz") == "ready\n")
            #expect(try curl("http://127.0.0.1:\(metricsPort)/metrics").contains("# TYPE winnow_http_requests_total counter"))
            let scoring = try curl("http://127.0.0.1:\(metricsPort)/classify", data: "{\"text\": \"hi\"}")
            #expect(scoring.contains("\"code\":404"), "the metrics listener does not score: \(scoring)")
        }
    }
}
