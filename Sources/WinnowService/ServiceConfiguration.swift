import Foundation
import WinnowKafka
import Policies

/// Everything `SelectionService` needs to know besides the model.
public struct ServiceConfiguration: Sendable {
    /// `bootstrap.servers`.
    public var brokers: String
    /// Consumer group id; replicas with the same id share the input partitions.
    public var group: String
    public var inputTopic: String
    public var resultsTopic: String
    public var deadLetterTopic: String
    /// Where accepted samples go as SFT rows (`schemas/sft-sample.schema.json`); nil: not published.
    public var sftTopic: String?
    /// Where preference pairs go (`schemas/preference-pair.schema.json`); nil: not published.
    public var pairsTopic: String?
    /// The deployment's selection policy; each group's `policy` overrides it.
    public var policy: SelectionPolicy
    /// librdkafka properties passed through unchanged (`-X key=value`), applied to the consumer
    /// and the producer on top of Winnow's defaults.
    public var kafkaProperties: [String: String]
    public var maxCandidates: Int
    /// Tokens queued or being scored above which the consumer pauses its partitions.
    public var maxInFlightTokens: Int
    /// How often done offsets are committed.
    public var commitInterval: Duration
    /// Where to serve `/metrics`, `/healthz` and `/readyz` (`host:port`; port 0 picks a free
    /// one, logged at start). Nil: no HTTP server.
    public var metricsAddress: String?
    /// Outputs and input offsets committed together in Kafka transactions (`--exactly-once`)
    /// instead of offsets committed after acknowledged outputs (at-least-once).
    public var exactlyOnce: Bool
    /// With `exactlyOnce`: how often a transaction is committed. Longer means fewer, larger
    /// transactions and later visibility to read_committed consumers.
    public var transactionInterval: Duration
    /// How long a shutdown waits for in-flight groups; what is unfinished then stays uncommitted
    /// (its records are read again by the partition's next owner).
    public var drainTimeout: Duration
    /// Bytes held by records being tokenized or scored and by outputs awaiting acknowledgement
    /// or a transaction (dead letters included) above which the consumer pauses its partitions.
    public var maxInFlightBytes: Int
    /// Most preference pairs one group may produce; a record's own `pairs.max_pairs` can only
    /// lower it (every pair repeats the prompt and metadata).
    public var maxPairsPerGroup: Int
    /// Most SFT rows one group may produce (the best accepted candidates are kept).
    public var maxSFTRowsPerGroup: Int
    /// How long an output is retried after transient producer errors before its record is
    /// dead-lettered instead (`output_rejected`). Dead letters themselves are retried until
    /// delivered.
    public var outputRetryTimeout: Duration

    public init(brokers: String, group: String = "winnow", inputTopic: String = "prompt-groups",
                resultsTopic: String = "selections", deadLetterTopic: String = "prompt-groups.dead-letter",
                sftTopic: String? = nil, pairsTopic: String? = nil, policy: SelectionPolicy = SelectionPolicy(),
                kafkaProperties: [String: String] = [:], maxCandidates: Int = 256, maxInFlightTokens: Int = 32768,
                commitInterval: Duration = .milliseconds(500), metricsAddress: String? = nil, exactlyOnce: Bool = false,
                transactionInterval: Duration = .milliseconds(500), drainTimeout: Duration = .seconds(60),
                maxInFlightBytes: Int = 256 << 20, maxPairsPerGroup: Int = 256, maxSFTRowsPerGroup: Int = 256,
                outputRetryTimeout: Duration = .seconds(300)) {
        self.brokers = brokers
        self.group = group
        self.inputTopic = inputTopic
        self.resultsTopic = resultsTopic
        self.deadLetterTopic = deadLetterTopic
        self.sftTopic = sftTopic
        self.pairsTopic = pairsTopic
        self.policy = policy
        self.kafkaProperties = kafkaProperties
        self.maxCandidates = maxCandidates
        self.maxInFlightTokens = maxInFlightTokens
        self.commitInterval = commitInterval
        self.metricsAddress = metricsAddress
        self.exactlyOnce = exactlyOnce
        self.transactionInterval = transactionInterval
        self.drainTimeout = drainTimeout
        self.maxInFlightBytes = maxInFlightBytes
        self.maxPairsPerGroup = maxPairsPerGroup
        self.maxSFTRowsPerGroup = maxSFTRowsPerGroup
        self.outputRetryTimeout = outputRetryTimeout
    }

    /// The defaults `init` gives every setting, with the broker `winnow serve` assumes when none
    /// is configured; `winnow serve`'s settings table shows and applies these.
    public static let defaults = ServiceConfiguration(brokers: "127.0.0.1:9092")

    /// Winnow's consumer: manual commits only (offsets are committed when outputs are
    /// acknowledged), earliest offset for a new group so no group is skipped.
    var consumerConfiguration: KafkaConfiguration {
        KafkaConfiguration([
            "bootstrap.servers": brokers,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "cooperative-sticky",
        ]).merging(kafkaProperties.filter { !Self.transactionalProducerProperties.contains($0.key) }).merging([
            // Not overridable: auto-commit would commit offsets whose outputs are not yet delivered.
            "enable.auto.commit": "false",
        ])
    }

    /// Idempotent producer (KafkaProducer's default): retries never duplicate or reorder outputs.
    /// With `exactlyOnce` it is transactional, `transactional.id` from `-X transactional.id=...`
    /// or else `winnow-<group>-<hostname>`: stable across restarts of one instance (a pod keeps
    /// its name), so a restarted instance fences its dead predecessor and aborts its open
    /// transaction at once instead of leaving read_committed consumers blocked behind it until
    /// `transaction.timeout.ms`. Instances sharing a host need distinct ids (`-X`).
    var producerConfiguration: KafkaConfiguration {
        var defaults = ["bootstrap.servers": brokers, "linger.ms": "5"]
        if exactlyOnce { defaults["transactional.id"] = "winnow-\(group)-\(ProcessInfo.processInfo.hostName)" }
        return KafkaConfiguration(defaults).merging(kafkaProperties.filter { !Self.consumerOnlyProperties.contains($0.key) })
    }

    /// The producer for startup checks and metadata, never transactional.
    var adminConfiguration: KafkaConfiguration {
        KafkaConfiguration(["bootstrap.servers": brokers])
            .merging(kafkaProperties.filter { !Self.consumerOnlyProperties.contains($0.key) && $0.key != "transactional.id" })
    }

    /// Producer-only properties of transactions, kept away from the consumer.
    static let transactionalProducerProperties: Set<String> = ["transactional.id", "transaction.timeout.ms"]

    /// Properties that make a producer print a warning; the consumer takes them.
    static let consumerOnlyProperties: Set<String> = [
        "group.id", "group.instance.id", "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
        "auto.offset.reset", "enable.auto.commit", "partition.assignment.strategy", "enable.partition.eof",
        "fetch.wait.max.ms", "fetch.min.bytes", "fetch.max.bytes", "isolation.level", "group.protocol",
        "auto.commit.interval.ms", "coordinator.query.interval.ms", "enable.auto.offset.store",
        "queued.min.messages", "queued.max.messages.kbytes", "max.partition.fetch.bytes", "check.crcs",
        "group.remote.assignor", "fetch.error.backoff.ms", "fetch.queue.backoff.ms", "client.rack",
    ]
}
