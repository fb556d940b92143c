import ArgumentParser
import ChatText
import Foundation
import Kafka
import Logging
import Winnow
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
        (schemas/selection.schema.json: argmax, full ranking, num_tokens,
        metadata, source, timings). Records that cannot be scored go to
        --dead-letter-topic with a reason code, a message and the original
        bytes (schemas/dead-letter.schema.json); the service goes on.

        Delivery is at-least-once: an input offset is committed only after the
        broker acknowledged the outputs of that record and of every record
        before it in its partition. The producer is idempotent. While more than
        --max-inflight-tokens are queued or being scored, the consumer pauses
        its partitions and keeps polling (max.poll.interval.ms is never hit).

        SIGTERM or SIGINT: stop reading, finish the groups in flight, publish,
        commit, exit 0. An unreachable broker at start is retried with backoff.

        Environment variables, used when the flag is absent:
          WINNOW_BROKERS, WINNOW_GROUP, WINNOW_INPUT_TOPIC, WINNOW_RESULTS_TOPIC,
          WINNOW_DEAD_LETTER_TOPIC, WINNOW_MAX_CANDIDATES,
          WINNOW_MAX_INFLIGHT_TOKENS, WINNOW_METRICS_ADDRESS, WINNOW_LOG_LEVEL, and
          WINNOW_KAFKA_PROPERTIES: key=value pairs separated by newlines or ';',
          applied before -X.
        librdkafka properties pass through unchanged with -X (repeatable):
          -X security.protocol=SASL_SSL -X sasl.mechanism=PLAIN
          -X session.timeout.ms=6000
        enable.auto.commit is always false: commits follow acknowledged outputs.
        Logs: swift-log lines with key=value metadata, on standard error.
        --metrics-address serves Prometheus /metrics (records, groups scored and
        dead-lettered by reason, candidates, tokens, batch sizes, forward latency,
        in-flight tokens, paused, consumer lag per partition), /healthz and
        /readyz (200 while consuming, 503 before and while draining).
        """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var text: TextOptions

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

    @Option(name: .customShort("X"), help: ArgumentHelp("librdkafka property key=value, passed through unchanged (repeatable).", valueName: "key=value"))
    var kafkaProperties: [String] = []

    @Option(name: .long, help: "Most candidates per group; larger groups are dead-lettered (env WINNOW_MAX_CANDIDATES; default 256).")
    var maxCandidates: Int?

    @Option(name: .long, help: "Tokens queued or being scored above which partitions are paused (env WINNOW_MAX_INFLIGHT_TOKENS; default 32768).")
    var maxInflightTokens: Int?

    @Option(name: .long, help: "Serve Prometheus /metrics, /healthz and /readyz on host:port, e.g. 0.0.0.0:9464 (env WINNOW_METRICS_ADDRESS; default: off).")
    var metricsAddress: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (env WINNOW_LOG_LEVEL; default info).")
    var logLevel: String?

    func run() throws {
        let shutdownSignals = try ShutdownSignals()
        let environment = ProcessInfo.processInfo.environment
        let level = try Self.logLevel(logLevel ?? environment["WINNOW_LOG_LEVEL"] ?? "info")
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "winnow.serve")

        let configuration = try serviceConfiguration(environment: environment)
        let rewardModel = try model.loadModel()
        let encoder: ChatEncoder
        do {
            encoder = try ChatEncoder(directory: rewardModel.directory.url, maxLength: rewardModel.maxSequenceLength,
                                      overflow: text.overflow, templateName: text.chatTemplate)
        } catch {
            throw CommandFailure("cannot load the tokenizer of \(model.model): \(error)")
        }
        logger.info("model loaded", metadata: ["model": "\(rewardModel.directory.name)",
                                               "revision": "\(rewardModel.directory.revision ?? "none")",
                                               "max_length": "\(rewardModel.maxSequenceLength)"])
        let service = WinnowService(configuration: configuration, model: rewardModel, encoder: encoder, logger: logger)

        shutdownSignals.onSignal { name in
            logger.notice("signal received; draining", metadata: ["signal": "\(name)"])
            service.stop()
        }

        do {
            try service.run()
        } catch let error as KafkaError {
            throw CommandFailure("winnow serve: \(error)")
        }
    }

    private func serviceConfiguration(environment: [String: String]) throws -> ServiceConfiguration {
        func integer(_ flag: Int?, _ variable: String, default value: Int) throws -> Int {
            if let flag { return flag }
            guard let text = environment[variable], !text.isEmpty else { return value }
            guard let parsed = Int(text), parsed > 0 else { throw CommandFailure("\(variable) must be a positive integer, got \"\(text)\"") }
            return parsed
        }
        var properties = KafkaConfiguration()
        if let pairs = environment["WINNOW_KAFKA_PROPERTIES"] {
            for pair in pairs.split(whereSeparator: { $0 == "\n" || $0 == ";" }) where !pair.allSatisfy(\.isWhitespace) {
                try properties.set(assignment: pair.trimmingCharacters(in: .whitespaces))
            }
        }
        for assignment in kafkaProperties { try properties.set(assignment: assignment) }
        let configuration = ServiceConfiguration(
            brokers: brokers ?? environment["WINNOW_BROKERS"] ?? "127.0.0.1:9092",
            group: group ?? environment["WINNOW_GROUP"] ?? "winnow",
            inputTopic: inputTopic ?? environment["WINNOW_INPUT_TOPIC"] ?? "prompt-groups",
            resultsTopic: resultsTopic ?? environment["WINNOW_RESULTS_TOPIC"] ?? "selections",
            deadLetterTopic: deadLetterTopic ?? environment["WINNOW_DEAD_LETTER_TOPIC"] ?? "prompt-groups.dead-letter",
            kafkaProperties: properties.properties,
            maxCandidates: try integer(maxCandidates, "WINNOW_MAX_CANDIDATES", default: 256),
            maxInFlightTokens: try integer(maxInflightTokens, "WINNOW_MAX_INFLIGHT_TOKENS", default: 32768),
            metricsAddress: metricsAddress ?? environment["WINNOW_METRICS_ADDRESS"])
        guard configuration.maxCandidates > 0, configuration.maxInFlightTokens > 0 else {
            throw CommandFailure("--max-candidates and --max-inflight-tokens must be positive")
        }
        return configuration
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
