import ArgumentParser
import ChatText
import Foundation
import WinnowKafka
import Logging
import Policies
import RewardEngine
import WinnowHTTP
import WinnowService
#if canImport(Glibc)
import Glibc
#endif

/// `winnow serve`: the Kafka service. Prompt groups in, one selection per group out.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Consume prompt groups from Kafka, score every candidate, publish the selections.",
        discussion: """
        Joins consumer group --group on --input-topic. Each record is one prompt
        group (schemas/prompt-group.schema.json):
          {"group_id": "...", "prompt": [{"role", "content"}, ...] | "text",
           "candidates": ["response" | {"id": "...", "response": "..."}, ...],
           "policy": {...}, "metadata": {...}}
        Each candidate is scored as the prompt followed by an assistant turn
        with its response (a text prompt: the prompt text, then the response).
        One record per group goes to --results-topic, keyed by group id
        (schemas/selection.schema.json: argmax, full ranking, what the selection
        policy decided, num_tokens, metadata, source, timings). Records that
        cannot be scored go to --dead-letter-topic with a reason code, a message
        and the original bytes (schemas/dead-letter.schema.json); the service
        goes on. Every record gets exactly one outcome: an output over the
        producer's message.max.bytes, or one the broker refuses for good
        (unknown or unauthorized topic), or still undelivered after
        --output-retry-timeout, becomes a dead letter (output_too_large,
        output_rejected); a dead letter too large for the limit keeps a prefix
        of the original with its size and sha256.

        Selection policy (--policy, JSON or @FILE; each group's "policy"
        replaces the sections it names, null turns one off):
          {"rejection": {"threshold", "top_k", "top_fraction", "margin_over_mean",
                         "margin_over_median", "min_group_size",
                         "when_none_pass": "empty"|"best"},
           "pairs": {"strategy": "best_vs_worst"|"best_vs_rest"|"all_pairs",
                     "min_margin", "max_pairs"},
           "rewards": {"length": {"mode": "normalize"} |
                                 {"mode": "penalty", "per_token", "free_tokens"},
                       "transforms": [{"clip": {"min", "max"}},
                                      {"affine": {"scale", "shift"}},
                                      {"sigmoid": {"reference", "temperature"}}],
                       "baseline": "grpo"|"rloo"|"none", "epsilon", "std"}}
        Accepted samples go to --sft-topic (schemas/sft-sample.schema.json) and
        preference pairs to --pairs-topic (schemas/preference-pair.schema.json)
        when those are set. A group with an invalid policy is dead-lettered.

        Delivery is at-least-once: an input offset is committed only after the
        broker acknowledged every output of that record and of every record
        before it in its partition. The producer is idempotent. With
        --exactly-once the outputs and the input offsets are committed together
        in Kafka transactions (every --transaction-interval-ms); consumers of
        the output topics then read with isolation.level=read_committed and see
        each group's outputs exactly once, even across crashes and restarts.
        While more than --max-inflight-tokens are queued or being scored, or
        more than --max-inflight-bytes are held by records and undelivered
        outputs, the consumer pauses its partitions and keeps polling
        (max.poll.interval.ms is never hit); records are tokenized off the
        polling thread.

        SIGTERM or SIGINT: stop reading, finish the groups in flight, publish,
        commit, exit 0; after --drain-timeout seconds what is unfinished is left
        uncommitted for the next owner of its partition. An unreachable broker
        at start is retried with backoff.

        Settings come from flags, then environment variables, then --config
        FILE (a JSON object keyed by the flags' names with underscores, plus
        "kafka": {librdkafka properties} and "policy": {...}), then defaults.
        Environment variables:
          WINNOW_CONFIG, WINNOW_MODEL, WINNOW_THREADS, WINNOW_TOKEN_BUDGET,
          WINNOW_MAX_LENGTH, WINNOW_WEIGHTS, WINNOW_COMPUTE, WINNOW_BROKERS, WINNOW_GROUP,
          WINNOW_INPUT_TOPIC, WINNOW_RESULTS_TOPIC, WINNOW_DEAD_LETTER_TOPIC,
          WINNOW_SFT_TOPIC, WINNOW_PAIRS_TOPIC, WINNOW_POLICY (JSON or @FILE),
          WINNOW_MAX_CANDIDATES, WINNOW_MAX_INFLIGHT_TOKENS, WINNOW_EXACTLY_ONCE
          (true/false), WINNOW_TRANSACTION_INTERVAL_MS, WINNOW_DRAIN_TIMEOUT,
          WINNOW_MAX_INFLIGHT_BYTES, WINNOW_MAX_PAIRS_PER_GROUP,
          WINNOW_MAX_SFT_ROWS_PER_GROUP, WINNOW_OUTPUT_RETRY_TIMEOUT,
          WINNOW_METRICS_ADDRESS, WINNOW_LOG_LEVEL, and
          WINNOW_KAFKA_PROPERTIES: key=value pairs separated by newlines or ';'
          (\\; for a ';' in a value, \\\\ for a backslash), or a JSON object of
          strings; applied after the file's "kafka" and before -X. Errors never
          quote values.
        librdkafka properties pass through unchanged with -X (repeatable):
          -X security.protocol=SASL_SSL -X sasl.mechanism=PLAIN
          -X session.timeout.ms=6000
        enable.auto.commit is always false: commits follow acknowledged outputs.
        Logs: swift-log lines with key=value metadata, on standard error.
        --metrics-address serves Prometheus /metrics (records, groups scored and
        dead-lettered by reason, rejection outcomes, SFT samples and pairs,
        candidates, tokens, batch sizes, forward latency, in-flight tokens,
        paused, consumer lag per partition), /healthz and /readyz (200 while
        consuming, 503 before and while draining).

        HTTP front door (--http-address HOST:PORT), on the same model, with
        dynamic batching across requests (shared prefixes computed once):
          POST /classify    SGLang {"text" | "input_ids"} or vLLM {"input" | "messages"}
          POST /encode      SGLang {"text" | "input_ids"}
          POST /pooling     vLLM {"input" | "messages"}
          POST /get_reward  OpenRLHF {"query": [...]}
          POST /v1/groups   one prompt group or a list -> selections
          GET  /metrics, /healthz, /readyz
        Without --brokers (or WINNOW_BROKERS, or "brokers" in the config file)
        serve runs HTTP only. --metrics-address alone serves every endpoint
        there; with --http-address at another address it serves /metrics,
        /healthz and /readyz only. The contract: schemas/openapi.json.
        """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var text: TextOptions
    @OptionGroup(title: "HTTP front door") var http: HTTPOptions

    @Option(name: .long, help: "Kafka bootstrap servers, host:port[,host:port] (env WINNOW_BROKERS; default 127.0.0.1:9092).")
    var brokers: String?

    @Option(name: .long, help: "Consumer group id; replicas with the same group share the partitions (env WINNOW_GROUP; default winnow).")
    var group: String?

    @Option(name: .long, help: "Topic of prompt groups (env WINNOW_INPUT_TOPIC; default prompt-groups).")
    var inputTopic: String?

    @Option(name: .long, help: "Topic of selections (env WINNOW_RESULTS_TOPIC; default selections).")
    var resultsTopic: String?

    @Option(name: .long, help: "Topic of dead letters (env WINNOW_DEAD_LETTER_TOPIC; default prompt-groups.dead-letter).")
    var deadLetterTopic: String?

    @Option(name: .long, help: "Topic for accepted samples as SFT rows (env WINNOW_SFT_TOPIC; default: not published).")
    var sftTopic: String?

    @Option(name: .long, help: "Topic for preference pairs (env WINNOW_PAIRS_TOPIC; default: not published).")
    var pairsTopic: String?

    @Option(name: .long, help: ArgumentHelp("Default selection policy, JSON or @FILE (env WINNOW_POLICY; default: argmax and ranking only).", valueName: "json|@file"))
    var policy: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Commit outputs and input offsets together in Kafka transactions (env WINNOW_EXACTLY_ONCE; default off: at-least-once).")
    var exactlyOnce: Bool?

    @Option(name: .long, help: "With --exactly-once: how often a transaction is committed, in ms (env WINNOW_TRANSACTION_INTERVAL_MS; default 500).")
    var transactionIntervalMs: Int?

    @Option(name: .long, help: "Seconds a shutdown waits for in-flight groups before leaving them uncommitted (env WINNOW_DRAIN_TIMEOUT; default 60).")
    var drainTimeout: Double?

    @Option(name: .long, help: ArgumentHelp("JSON file of settings (env WINNOW_CONFIG); flags and environment variables override it.", valueName: "file"))
    var config: String?

    @Option(name: .customShort("X"), help: ArgumentHelp("librdkafka property key=value, passed through unchanged (repeatable).", valueName: "key=value"))
    var kafkaProperties: [String] = []

    @Option(name: .long, help: "Most candidates per group; larger groups are dead-lettered (env WINNOW_MAX_CANDIDATES; default 256).")
    var maxCandidates: Int?

    @Option(name: .long, help: "Tokens queued or being scored above which partitions are paused (env WINNOW_MAX_INFLIGHT_TOKENS; default 32768).")
    var maxInflightTokens: Int?

    @Option(name: .long, help: "Bytes held by records in flight and undelivered outputs above which partitions are paused (env WINNOW_MAX_INFLIGHT_BYTES; default 268435456).")
    var maxInflightBytes: Int?

    @Option(name: .long, help: "Most preference pairs per group; a record's policy can only lower it (env WINNOW_MAX_PAIRS_PER_GROUP; default 256).")
    var maxPairsPerGroup: Int?

    @Option(name: .long, help: "Most SFT rows per group, best first (env WINNOW_MAX_SFT_ROWS_PER_GROUP; default 256).")
    var maxSftRowsPerGroup: Int?

    @Option(name: .long, help: "Seconds an output is retried after transient producer errors before its record is dead-lettered (env WINNOW_OUTPUT_RETRY_TIMEOUT; default 300).")
    var outputRetryTimeout: Double?

    @Option(name: .long, help: "Serve Prometheus /metrics, /healthz and /readyz on host:port, e.g. 0.0.0.0:9464 (env WINNOW_METRICS_ADDRESS; default: off).")
    var metricsAddress: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (env WINNOW_LOG_LEVEL; default info).")
    var logLevel: String?

    func run() throws {
        // A client that hangs up must never kill the server with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let shutdownSignals = try ShutdownSignals()
        let environment = ProcessInfo.processInfo.environment
        let file = try (config ?? environment["WINNOW_CONFIG"]).map(ServeConfigFile.init(path:))
        let level = try Self.logLevel(logLevel ?? environment["WINNOW_LOG_LEVEL"] ?? file?.string("log_level") ?? "info")
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "winnow.serve")

        let configuration = try serviceConfiguration(environment: environment, file: file)
        let rewardModel = try model.loadModel { key in
            if let text = environment["WINNOW_" + key.uppercased()], !text.isEmpty { return text }
            return try file?.string(key)
        }
        let encoder: ChatEncoder
        do {
            encoder = try ChatEncoder(directory: rewardModel.directory.url, maxLength: rewardModel.maxSequenceLength,
                                      overflow: text.overflow, templateName: text.chatTemplate)
        } catch {
            throw CommandFailure("cannot load the tokenizer of \(rewardModel.directory.url.path): \(error)")
        }
        logger.info("model loaded", metadata: ["model": "\(rewardModel.directory.name)",
                                               "revision": "\(rewardModel.directory.revision ?? "none")",
                                               "max_length": "\(rewardModel.maxSequenceLength)"])
        let service = SelectionService(configuration: configuration, model: rewardModel, encoder: encoder, logger: logger)
        // What runs, once at start and as an info series: throughput depends on it several-fold.
        let compute = ComputeEnvironment.current(threads: rewardModel.options.threads, compute: rewardModel.compute)
        logger.info("compute", metadata: Logger.Metadata(uniqueKeysWithValues: compute.fields.map { ($0.key, .string($0.value)) }))
        let computeLabels = Dictionary(uniqueKeysWithValues: compute.fields.map { ($0.key, $0.value) })
        service.metrics.set("winnow_compute_info", labels: computeLabels, 1)
        // HTTP only: of the service's series just the compute info applies.
        let httpOnlyMetrics = Metrics()
        httpOnlyMetrics.set("winnow_compute_info", labels: computeLabels, 1)

        // The HTTP front door (issue 14): Kafka runs when brokers are configured or HTTP is off.
        let httpSettings = try http.settings(metricsAddress: configuration.metricsAddress, tokenBudget: rewardModel.options.tokenBudget,
                                             environment: environment, file: file)
        let kafka = try httpSettings == nil || HTTPOptions.brokersConfigured(flag: brokers, environment: environment, file: file)
        let listeners = try httpSettings.map { settings in
            try HTTPListeners(settings: settings, metricsAddress: configuration.metricsAddress,
                              scoring: .init(model: rewardModel, encoder: encoder,
                                             decoder: PromptGroupDecoder(maxCandidates: configuration.maxCandidates, defaultPolicy: configuration.policy)),
                              serviceMetrics: { kafka ? service.metrics.render() : httpOnlyMetrics.render() },
                              isReady: { !kafka || service.isReady }, logger: logger)
        }
        try listeners?.start()
        let stopped = DispatchSemaphore(value: 0)

        shutdownSignals.onSignal { name in
            logger.notice("signal received; draining", metadata: ["signal": "\(name)"])
            service.stop()
            stopped.signal()
            // HTTP drains alongside Kafka: open requests are answered, new connections refused.
            if let listeners { Thread { listeners.shutdown() }.start() }
        }

        defer { listeners?.shutdown() }
        guard kafka else {
            logger.info("serving HTTP only (no brokers configured)")
            stopped.wait()
            return
        }
        do {
            try service.run()
        } catch let error as KafkaError {
            throw CommandFailure("winnow serve: \(error)")
        }
    }

    private func serviceConfiguration(environment: [String: String], file: ServeConfigFile?) throws -> ServiceConfiguration {
        /// A flag, else its environment variable, else the config file's key.
        func setting(_ flag: String?, _ variable: String, _ key: String) throws -> String? {
            if let flag { return flag }
            if let text = environment[variable], !text.isEmpty { return text }
            return try file?.string(key)
        }
        /// An integer setting within `range`: anything else (including numbers too large to hold)
        /// is refused with the setting's name and its bounds.
        func integer(_ flag: Int?, _ variable: String, _ key: String, default value: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = try setting(flag.map(String.init), variable, key) else { return value }
            guard let parsed = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(parsed) else {
                throw CommandFailure("\(key) (\(variable)) must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text.prefix(40))\"")
            }
            return parsed
        }
        /// A number of seconds within `range`, as a Duration (which cannot hold 1e300 s).
        func seconds(_ flag: Double?, _ variable: String, _ key: String, default value: Double, _ range: ClosedRange<Double>) throws -> Duration {
            let text = try setting(flag.map { String($0) }, variable, key) ?? String(value)
            guard let parsed = Double(text.trimmingCharacters(in: .whitespaces)), parsed.isFinite, range.contains(parsed) else {
                throw CommandFailure("\(key) (\(variable)) must be a number of seconds from \(range.lowerBound) to \(range.upperBound), got \"\(text.prefix(40))\"")
            }
            return .milliseconds(Int64((parsed * 1000).rounded()))
        }
        var properties = KafkaConfiguration()
        for (key, value) in try file?.kafkaProperties() ?? [] { properties[key] = value }
        if let text = environment["WINNOW_KAFKA_PROPERTIES"] {
            do {
                for (key, value) in try KafkaPropertiesText.parse(text) { properties[key] = value }
            } catch {
                throw CommandFailure(error.description)
            }
        }
        for assignment in kafkaProperties { try properties.set(assignment: assignment) }

        var selectionPolicy = SelectionPolicy()
        if let policy {
            selectionPolicy = try PolicyOption.read(policy)
        } else if let text = environment["WINNOW_POLICY"], !text.isEmpty {
            selectionPolicy = try PolicyOption.read(text, origin: "WINNOW_POLICY")
        } else if let fromFile = try file?.policy() {
            selectionPolicy = fromFile
        }
        let exactly: Bool
        switch try setting(exactlyOnce.map { $0 ? "true" : "false" }, "WINNOW_EXACTLY_ONCE", "exactly_once")?.lowercased() {
        case nil, "false", "0", "no": exactly = false
        case "true", "1", "yes": exactly = true
        case let other?: throw CommandFailure("exactly_once (WINNOW_EXACTLY_ONCE) must be true or false, got \"\(other)\"")
        }
        return ServiceConfiguration(
            brokers: try setting(brokers, "WINNOW_BROKERS", "brokers") ?? "127.0.0.1:9092",
            group: try setting(group, "WINNOW_GROUP", "group") ?? "winnow",
            inputTopic: try setting(inputTopic, "WINNOW_INPUT_TOPIC", "input_topic") ?? "prompt-groups",
            resultsTopic: try setting(resultsTopic, "WINNOW_RESULTS_TOPIC", "results_topic") ?? "selections",
            deadLetterTopic: try setting(deadLetterTopic, "WINNOW_DEAD_LETTER_TOPIC", "dead_letter_topic") ?? "prompt-groups.dead-letter",
            sftTopic: try setting(sftTopic, "WINNOW_SFT_TOPIC", "sft_topic"),
            pairsTopic: try setting(pairsTopic, "WINNOW_PAIRS_TOPIC", "pairs_topic"),
            policy: selectionPolicy,
            kafkaProperties: properties.properties,
            maxCandidates: try integer(maxCandidates, "WINNOW_MAX_CANDIDATES", "max_candidates", default: 256, 1...100_000),
            maxInFlightTokens: try integer(maxInflightTokens, "WINNOW_MAX_INFLIGHT_TOKENS", "max_inflight_tokens", default: 32768, 1...(1 << 30)),
            metricsAddress: try setting(metricsAddress, "WINNOW_METRICS_ADDRESS", "metrics_address"),
            exactlyOnce: exactly,
            transactionInterval: .milliseconds(try integer(transactionIntervalMs, "WINNOW_TRANSACTION_INTERVAL_MS", "transaction_interval_ms", default: 500, 1...3_600_000)),
            drainTimeout: try seconds(drainTimeout, "WINNOW_DRAIN_TIMEOUT", "drain_timeout", default: 60, 0...86_400),
            maxInFlightBytes: try integer(maxInflightBytes, "WINNOW_MAX_INFLIGHT_BYTES", "max_inflight_bytes", default: 256 << 20, (1 << 20)...(1 << 40)),
            maxPairsPerGroup: try integer(maxPairsPerGroup, "WINNOW_MAX_PAIRS_PER_GROUP", "max_pairs_per_group", default: 256, 1...100_000),
            maxSFTRowsPerGroup: try integer(maxSftRowsPerGroup, "WINNOW_MAX_SFT_ROWS_PER_GROUP", "max_sft_rows_per_group", default: 256, 1...100_000),
            outputRetryTimeout: try seconds(outputRetryTimeout, "WINNOW_OUTPUT_RETRY_TIMEOUT", "output_retry_timeout", default: 300, 1...86_400))
    }

    private static func logLevel(_ name: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw CommandFailure("unknown log level \"\(name)\"; expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }
}

/// Turns SIGTERM and SIGINT into a call on an ordinary thread.
///
/// Two paths, because which thread gets a process-directed signal depends on every thread's
/// mask: threads started before `main` (OpenBLAS's pool) or by the runtime may or may not block
/// these signals, and a child spawned from a thread that blocks them inherits that. So a
/// handler (async-signal-safe: it only writes a byte to a pipe) catches them on any thread that
/// lets them through, and a `sigwait` thread catches them when every thread blocks them.
final class ShutdownSignals: @unchecked Sendable {
    private let readFD: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CommandFailure("cannot create the signal pipe: errno \(errno)") }
        readFD = fds[0]
        shutdownSignalPipe = fds[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(shutdownSignalPipe, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for signal in [SIGTERM, SIGINT] { sigaction(signal, &action, nil) }

        // The main thread (and every thread it starts from here on) blocks them, so they land on
        // the handler of a thread that lets them through, or else stay pending for sigwait.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let blocked = set
        let waiter = Thread {
            var waited = blocked
            var received: Int32 = 0
            while sigwait(&waited, &received) == 0 {
                var byte = UInt8(truncatingIfNeeded: received)
                _ = write(shutdownSignalPipe, &byte, 1)
            }
        }
        waiter.name = "winnow-sigwait"
        waiter.start()
    }

    /// Calls `body` (on a thread of its own) for every SIGTERM or SIGINT, with the signal's name.
    func onSignal(_ body: @escaping @Sendable (String) -> Void) {
        let fd = readFD
        let reader = Thread {
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1 {
                body(Int32(byte) == SIGTERM ? "SIGTERM" : "SIGINT")
            }
        }
        reader.name = "winnow-signals"
        reader.start()
    }
}

/// The write end of the signal pipe, global so the C signal handler can reach it.
nonisolated(unsafe) private var shutdownSignalPipe: Int32 = -1
