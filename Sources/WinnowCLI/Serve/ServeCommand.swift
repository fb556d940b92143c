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

        Settings: each flag below also reads the environment variable and the
        --config FILE key shown with it (the file: a JSON object of those keys,
        with "kafka" an object of librdkafka properties and "policy" an object).
        A flag wins over the environment, which wins over the file, which wins
        over the default; values out of bounds are refused by name. Errors never
        quote values. librdkafka properties pass through unchanged with -X
        (repeatable), after the file's "kafka" and WINNOW_KAFKA_PROPERTIES:
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

    // Untitled groups: every flag is listed under OPTIONS, where deploy/checks/manifests.py reads
    // the flags, their values and environment variables from `winnow serve --help`.
    @OptionGroup var modelFlags: ServeModelFlags
    @OptionGroup var kafkaFlags: ServeKafkaFlags
    @OptionGroup var httpFlags: ServeHTTPFlags

    /// Every flag given, by setting (-X apart).
    var flagValues: [ServeSetting: String] {
        modelFlags.values.merging(kafkaFlags.values) { flag, _ in flag }.merging(httpFlags.values) { flag, _ in flag }
    }

    func run() throws {
        // A client that hangs up must never kill the server with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let shutdownSignals = try ShutdownSignals()
        let environment = ProcessInfo.processInfo.environment
        let flags = flagValues
        let configPath = try ServeSettingsResolver(flags: flags, environment: environment, file: nil).given(ServeSettings.config)
        let settings = ServeSettingsResolver(flags: flags, environment: environment, file: try configPath.map(ServeConfigFile.init(path:)))
        let level = try settings.logLevel()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "winnow.serve")

        let configuration = try settings.serviceConfiguration(kafkaAssignments: kafkaFlags.kafkaProperties)
        let rewardModel = try loadRewardModel(path: try settings.modelPath(), options: try settings.modelOptions())
        let encoder: ChatEncoder
        do {
            encoder = try ChatEncoder(directory: rewardModel.directory.url, maxLength: rewardModel.maxSequenceLength,
                                      overflow: try settings.overflow(), templateName: try settings.text(ServeSettings.chatTemplate))
        } catch let error as CommandFailure {
            throw error
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
        service.metrics.set(.computeInfo, labels: computeLabels, 1)
        // HTTP only: of the service's series just the compute info is ever set.
        let httpOnlyMetrics = Metrics()
        httpOnlyMetrics.set(.computeInfo, labels: computeLabels, 1)

        // The HTTP front door (issue 14): Kafka runs when brokers are configured or HTTP is off.
        let httpSettings = try settings.httpSettings(metricsAddress: configuration.metricsAddress, tokenBudget: rewardModel.options.tokenBudget)
        let kafka = try httpSettings == nil || settings.brokersConfigured()
        let listeners = try httpSettings.map { httpSettings in
            try HTTPListeners(settings: httpSettings, metricsAddress: configuration.metricsAddress,
                              scoring: .init(model: rewardModel, encoder: encoder,
                                             decoder: PromptGroupDecoder(maxCandidates: configuration.maxCandidates, defaultPolicy: configuration.policy)),
                              serviceMetrics: { kafka ? service.metrics.render() : httpOnlyMetrics.render() },
                              isReady: { !kafka || service.isReady }, logger: logger)
        }
        try listeners?.start()
        try ServeLifecycle(service: service, listeners: listeners, logger: logger).run(kafka: kafka, signals: shutdownSignals)
    }
}
