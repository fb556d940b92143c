import Kafka

/// Everything `WinnowService` needs to know besides the model.
public struct ServiceConfiguration: Sendable {
    /// `bootstrap.servers`.
    public var brokers: String
    /// Consumer group id; replicas with the same id share the input partitions.
    public var group: String
    public var inputTopic: String
    public var resultsTopic: String
    public var deadLetterTopic: String
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

    public init(brokers: String, group: String = "winnow", inputTopic: String = "prompt-groups",
                resultsTopic: String = "selections", deadLetterTopic: String = "prompt-groups.dead-letter",
                kafkaProperties: [String: String] = [:], maxCandidates: Int = 256, maxInFlightTokens: Int = 32768,
                commitInterval: Duration = .milliseconds(500), metricsAddress: String? = nil) {
        self.brokers = brokers
        self.group = group
        self.inputTopic = inputTopic
        self.resultsTopic = resultsTopic
        self.deadLetterTopic = deadLetterTopic
        self.kafkaProperties = kafkaProperties
        self.maxCandidates = maxCandidates
        self.maxInFlightTokens = maxInFlightTokens
        self.commitInterval = commitInterval
        self.metricsAddress = metricsAddress
    }

    /// Winnow's consumer: manual commits only (offsets are committed when outputs are
    /// acknowledged), earliest offset for a new group so no group is skipped.
    var consumerConfiguration: KafkaConfiguration {
        KafkaConfiguration([
            "bootstrap.servers": brokers,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "cooperative-sticky",
        ]).merging(kafkaProperties).merging([
            // Not overridable: auto-commit would commit offsets whose outputs are not yet delivered.
            "enable.auto.commit": "false",
        ])
    }

    /// Idempotent producer (KafkaProducer's default): retries never duplicate or reorder outputs.
    var producerConfiguration: KafkaConfiguration {
        KafkaConfiguration([
            "bootstrap.servers": brokers,
            "linger.ms": "5",
        ]).merging(kafkaProperties.filter { !Self.consumerOnlyProperties.contains($0.key) })
    }

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
