import ChatText
import Foundation
import Logging
import RewardEngine
import WinnowHTTP
import WinnowService

/// The table of `winnow serve`'s settings, each declared once. Defaults that the libraries define
/// (`ServiceConfiguration.defaults`, `RewardModel.Options()`, `HTTPFrontDoor.Settings`) are read
/// from them, so a default is written in one place only.
enum ServeSettings {
    private static let service = ServiceConfiguration.defaults
    private static let modelOptions = RewardModel.Options()
    private static let http = HTTPFrontDoor.Settings(host: "", port: 0)

    // MARK: Model

    static let model = ServeSetting("model", .text, defaultDescription: "none, required", valueName: "dir",
                                    help: "Hugging Face model directory, or a cache entry models--ORG--NAME.")
    static let threads = ServeSetting("threads", .integer(1...4096), defaultDescription: "every core",
                                      help: "Threads for GEMMs and parallel loops.")
    static let tokenBudget = ServeSetting("token-budget", .integer(1...(1 << 24)), default: String(modelOptions.tokenBudget),
                                          help: "Most tokens packed into one forward pass.")
    static let maxLength = ServeSetting("max-length", .integer(1...(1 << 24)), default: String(modelOptions.maxSequenceLength),
                                        help: "Longest sequence accepted, in tokens.")
    static let weights = ServeSetting("weights", .choice(WeightPrecision.allCases.map(\.rawValue)),
                                      default: modelOptions.weightPrecision.rawValue,
                                      help: "Weights in memory: float32 (fastest) or bfloat16 (mapped, about half the memory).")
    static let compute = ServeSetting("compute", .choice(ComputeMode.allCases.map(\.rawValue)),
                                      default: modelOptions.compute.rawValue,
                                      help: "GEMM arithmetic: float32 (exact), int8 (VNNI/AVX2 through oneDNN, about a quarter of the weight memory) or bfloat16 (falls back to float32 where it cannot be faster).")
    static let overflow = ServeSetting("overflow", .choice(OverflowPolicy.allCases.map(\.rawValue)), default: OverflowPolicy.reject.rawValue,
                                       help: "Input longer than --max-length: reject, or truncate-left (keep BOS and the last tokens).")
    static let chatTemplate = ServeSetting("chat-template", .text, defaultDescription: "the checkpoint's default", valueName: "name",
                                           help: "Name of the chat template to use when the checkpoint has several.")

    // MARK: Kafka

    static let config = ServeSetting("config", .text, defaultDescription: "none", valueName: "file", inConfigFile: false,
                                     help: "JSON file of settings; flags and environment variables override it.")
    static let brokers = ServeSetting("brokers", .text, default: service.brokers,
                                      defaultDescription: "\(service.brokers); with --http-address and no brokers anywhere: HTTP only",
                                      valueName: "host:port[,host:port]", help: "Kafka bootstrap servers.")
    static let group = ServeSetting("group", .text, default: service.group,
                                    help: "Consumer group id; replicas with the same group share the partitions.")
    static let inputTopic = ServeSetting("input-topic", .text, default: service.inputTopic, help: "Topic of prompt groups.")
    static let resultsTopic = ServeSetting("results-topic", .text, default: service.resultsTopic, help: "Topic of selections.")
    static let deadLetterTopic = ServeSetting("dead-letter-topic", .text, default: service.deadLetterTopic, help: "Topic of dead letters.")
    static let sftTopic = ServeSetting("sft-topic", .text, defaultDescription: "not published",
                                       help: "Topic for accepted samples as SFT rows.")
    static let pairsTopic = ServeSetting("pairs-topic", .text, defaultDescription: "not published", help: "Topic for preference pairs.")
    static let policy = ServeSetting("policy", .policy, defaultDescription: "argmax and ranking only", valueName: "json|@file",
                                     help: "Default selection policy; each group's \"policy\" replaces the sections it names.")
    static let exactlyOnce = ServeSetting("exactly-once", .boolean, default: String(service.exactlyOnce),
                                          help: "Commit outputs and input offsets together in Kafka transactions (false: at-least-once).")
    static let transactionIntervalMs = ServeSetting("transaction-interval-ms", .integer(1...3_600_000),
                                                    default: String(milliseconds(service.transactionInterval)),
                                                    help: "With --exactly-once: how often a transaction is committed, in ms.")
    static let drainTimeout = ServeSetting("drain-timeout", .number(0...86_400, unit: "seconds"), default: seconds(service.drainTimeout),
                                           help: "Seconds a shutdown waits for in-flight groups before leaving them uncommitted.")
    static let kafkaProperties = ServeSetting("X", .kafkaProperties, defaultDescription: "none", valueName: "key=value",
                                              environmentVariable: "WINNOW_KAFKA_PROPERTIES", configKey: "kafka",
                                              help: "librdkafka property, passed through unchanged (repeatable; the environment's "
                                                + "key=value entries are separated by newlines or ';', with \\; and \\\\ as escapes, "
                                                + "or a JSON object of strings; the file's is an object).")
    static let maxCandidates = ServeSetting("max-candidates", .integer(1...100_000), default: String(service.maxCandidates),
                                            help: "Most candidates per group; larger groups are dead-lettered.")
    static let maxInflightTokens = ServeSetting("max-inflight-tokens", .integer(1...(1 << 30)), default: String(service.maxInFlightTokens),
                                                help: "Tokens queued or being scored above which partitions are paused.")
    static let maxInflightBytes = ServeSetting("max-inflight-bytes", .integer((1 << 20)...(1 << 40)), default: String(service.maxInFlightBytes),
                                               help: "Bytes held by records in flight and undelivered outputs above which partitions are paused.")
    static let maxPairsPerGroup = ServeSetting("max-pairs-per-group", .integer(1...100_000), default: String(service.maxPairsPerGroup),
                                               help: "Most preference pairs per group; a record's policy can only lower it.")
    static let maxSftRowsPerGroup = ServeSetting("max-sft-rows-per-group", .integer(1...100_000), default: String(service.maxSFTRowsPerGroup),
                                                 help: "Most SFT rows per group, best first.")
    static let outputRetryTimeout = ServeSetting("output-retry-timeout", .number(1...86_400, unit: "seconds"),
                                                 default: seconds(service.outputRetryTimeout),
                                                 help: "Seconds an output is retried after transient producer errors before its record is dead-lettered.")
    static let metricsAddress = ServeSetting("metrics-address", .text, defaultDescription: "off", valueName: "host:port",
                                             help: "Serve Prometheus /metrics, /healthz and /readyz here, e.g. 0.0.0.0:9464.")
    static let logLevel = ServeSetting("log-level", .choice(Logger.Level.allCases.map(\.rawValue)), default: Logger.Level.info.rawValue,
                                       help: "Least severe log lines written to standard error.")

    // MARK: HTTP front door

    static let httpAddress = ServeSetting("http-address", .text, defaultDescription: "off", valueName: "host:port",
                                          help: "Serve the HTTP front door here: SGLang and vLLM /classify, /encode, /pooling, "
                                            + "OpenRLHF /get_reward, /v1/groups, /metrics, /healthz, /readyz.")
    static let httpMaxBodyBytes = ServeSetting("http-max-body-bytes", .integer(1...(1 << 34)), default: String(http.maxBodyBytes),
                                               help: "Largest HTTP request body in bytes; larger ones get 413.")
    static let httpMaxInputs = ServeSetting("http-max-inputs", .integer(1...(1 << 24)), default: String(http.maxInputs),
                                            help: "Most inputs (texts, id lists, queries, prompt groups) per HTTP request; more get 413.")
    static let httpMaxQueue = ServeSetting("http-max-queue", .integer(1...(1 << 24)), default: String(http.batching.maxQueuedRequests),
                                           help: "HTTP requests waiting to be scored beyond which new ones get 503 with Retry-After.")
    static let httpTimeout = ServeSetting("http-timeout", .number(0.001...86_400, unit: "seconds"), default: seconds(http.requestTimeout),
                                          help: "Seconds an HTTP request may take from arrival to answer.")
    static let httpBatchWindowMs = ServeSetting("http-batch-window-ms", .number(0.001...60_000, unit: "milliseconds"),
                                                default: ServeSetting.format(Double(milliseconds(http.batching.window))),
                                                help: "Milliseconds the first request of a batch waits for others while the model is idle.")
    static let httpBatchTokens = ServeSetting("http-batch-tokens", .integer(1...(1 << 30)), defaultDescription: "4 x --token-budget",
                                              help: "Most tokens (as sent, before prefix sharing) in one HTTP batch.")

    /// Every setting, in the order `--help` and README list them.
    static let all: [ServeSetting] = [
        model, threads, tokenBudget, maxLength, weights, compute, overflow, chatTemplate,
        config, brokers, group, inputTopic, resultsTopic, deadLetterTopic, sftTopic, pairsTopic, policy, exactlyOnce,
        transactionIntervalMs, drainTimeout, kafkaProperties, maxCandidates, maxInflightTokens, maxInflightBytes,
        maxPairsPerGroup, maxSftRowsPerGroup, outputRetryTimeout, metricsAddress, logLevel,
        httpAddress, httpMaxBodyBytes, httpMaxInputs, httpMaxQueue, httpTimeout, httpBatchWindowMs, httpBatchTokens,
    ]

    /// The table as README shows it (Markdown), between its markers; a test keeps README in step.
    static var markdownTable: String {
        var lines = ["| flag | environment | config key | default | |", "| --- | --- | --- | --- | --- |"]
        for setting in all {
            let cells = ["`\(setting.flagSpelling)`", "`\(setting.environmentVariable)`", setting.configKey.map { "`\($0)`" } ?? "",
                         setting.defaultText, setting.help]
            lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    private static func seconds(_ duration: Duration) -> String {
        ServeSetting.format(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
