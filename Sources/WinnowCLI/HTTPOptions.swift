import ArgumentParser
import Foundation
import Logging
import WinnowHTTP
import WinnowService

/// `winnow serve`'s HTTP settings (issue 14): the front door's address and limits. Each flag also
/// reads an environment variable and a config-file key, like the rest of serve's settings.
struct HTTPOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Serve the HTTP front door on host:port: SGLang and vLLM /classify, /encode, /pooling, OpenRLHF /get_reward, /v1/groups, /metrics, /healthz, /readyz (env WINNOW_HTTP_ADDRESS; default: off). Without brokers configured, serve runs HTTP only.", valueName: "host:port"))
    var httpAddress: String?

    @Option(name: .long, help: "Largest HTTP request body in bytes; larger ones get 413 (env WINNOW_HTTP_MAX_BODY_BYTES; default 8388608).")
    var httpMaxBodyBytes: Int?

    @Option(name: .long, help: "Most inputs (texts, id lists, queries, prompt groups) per HTTP request; more get 413 (env WINNOW_HTTP_MAX_INPUTS; default 1024).")
    var httpMaxInputs: Int?

    @Option(name: .long, help: "HTTP requests waiting to be scored beyond which new ones get 503 with Retry-After (env WINNOW_HTTP_MAX_QUEUE; default 1024).")
    var httpMaxQueue: Int?

    @Option(name: .long, help: "Seconds an HTTP request may take from arrival to answer (env WINNOW_HTTP_TIMEOUT; default 120).")
    var httpTimeout: Double?

    @Option(name: .long, help: "Milliseconds the first request of a batch waits for others while the model is idle (env WINNOW_HTTP_BATCH_WINDOW_MS; default 25).")
    var httpBatchWindowMs: Double?

    @Option(name: .long, help: "Most tokens (as sent, before prefix sharing) in one HTTP batch (env WINNOW_HTTP_BATCH_TOKENS; default 4 x --token-budget).")
    var httpBatchTokens: Int?

    /// The settings, or nil when no HTTP address is configured (`metricsAddress` stands in for it:
    /// `--metrics-address` alone serves every endpoint there).
    func settings(metricsAddress: String?, tokenBudget: Int, environment: [String: String],
                  file: ServeConfigFile?) throws -> HTTPFrontDoor.Settings? {
        func setting(_ flag: String?, _ variable: String, _ key: String) throws -> String? {
            if let flag { return flag }
            if let text = environment[variable], !text.isEmpty { return text }
            return try file?.string(key)
        }
        func number(_ flag: Double?, _ variable: String, _ key: String, default value: Double) throws -> Double {
            guard let text = try setting(flag.map { String($0) }, variable, key) else { return value }
            guard let parsed = Double(text), parsed > 0, parsed.isFinite else {
                throw CommandFailure("\(key) (\(variable)) must be a positive number, got \"\(text)\"")
            }
            return parsed
        }
        guard let address = try setting(httpAddress, "WINNOW_HTTP_ADDRESS", "http_address") ?? metricsAddress else { return nil }
        let (host, port) = try HTTPFrontDoor.Settings.address(address)
        let window = try number(httpBatchWindowMs, "WINNOW_HTTP_BATCH_WINDOW_MS", "http_batch_window_ms", default: 25)
        return HTTPFrontDoor.Settings(
            host: host, port: port,
            maxBodyBytes: Int(try number(httpMaxBodyBytes.map(Double.init), "WINNOW_HTTP_MAX_BODY_BYTES", "http_max_body_bytes", default: Double(8 << 20))),
            maxInputs: Int(try number(httpMaxInputs.map(Double.init), "WINNOW_HTTP_MAX_INPUTS", "http_max_inputs", default: 1024)),
            requestTimeout: .milliseconds(Int(1000 * (try number(httpTimeout, "WINNOW_HTTP_TIMEOUT", "http_timeout", default: 120)))),
            batching: ScoreBatcher.Settings(
                window: .microseconds(Int(window * 1000)),
                batchTokens: Int(try number(httpBatchTokens.map(Double.init), "WINNOW_HTTP_BATCH_TOKENS", "http_batch_tokens", default: Double(4 * tokenBudget))),
                maxQueuedRequests: Int(try number(httpMaxQueue.map(Double.init), "WINNOW_HTTP_MAX_QUEUE", "http_max_queue", default: 1024))))
    }

    /// Whether Kafka brokers were configured at all (flag, environment or file).
    static func brokersConfigured(flag: String?, environment: [String: String], file: ServeConfigFile?) throws -> Bool {
        if flag != nil { return true }
        if let text = environment["WINNOW_BROKERS"], !text.isEmpty { return true }
        return try file?.string("brokers") != nil
    }
}

/// The HTTP listeners of one `winnow serve`: the front door and, when `--metrics-address` names
/// another address than `--http-address`, a second listener with `/metrics`, `/healthz` and
/// `/readyz` only.
final class HTTPListeners: Sendable {
    private let doors: [HTTPFrontDoor]

    init(settings: HTTPFrontDoor.Settings, metricsAddress: String?, scoring: HTTPFrontDoor.Scoring,
         serviceMetrics: @escaping @Sendable () -> String, isReady: @escaping @Sendable () -> Bool, logger: Logger) throws {
        var doors = [HTTPFrontDoor(settings: settings, scoring: scoring, serviceMetrics: serviceMetrics, isReady: isReady, logger: logger)]
        if let metricsAddress, case let (host, port) = try HTTPFrontDoor.Settings.address(metricsAddress),
           host != settings.host || port != settings.port || port == 0 {  // port 0: a port of its own
            doors.append(HTTPFrontDoor(settings: .init(host: host, port: port), scoring: nil, serviceMetrics: serviceMetrics,
                                       isReady: isReady, metrics: doors[0].metrics, logger: logger))
        }
        self.doors = doors
    }

    func start() throws {
        do {
            for door in doors { _ = try door.start() }
        } catch {
            throw CommandFailure("cannot start the HTTP server: \(error)")
        }
    }

    /// Drains: open requests are answered, then the listeners close.
    func shutdown() {
        for door in doors { door.shutdown() }
    }
}
