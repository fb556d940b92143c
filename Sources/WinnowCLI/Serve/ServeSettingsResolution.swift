import ChatText
import Foundation
import Logging
import Policies
import RewardEngine
import WinnowHTTP
import WinnowKafka
import WinnowService

// What `winnow serve` builds from its resolved settings: the model's options, the service's
// configuration and the HTTP front door's settings. Each value is the table's setting, read
// through the resolver (flag > environment > config file > default).

extension ServeSettingsResolver {
    /// The model directory; missing everywhere is an error.
    func modelPath() throws -> String {
        guard let path = try text(ServeSettings.model) else { throw CommandFailure("missing --model DIR: the reward model to load") }
        return path
    }

    func modelOptions() throws -> RewardModel.Options {
        var options = RewardModel.Options(tokenBudget: try integer(ServeSettings.tokenBudget) ?? RewardModel.Options().tokenBudget,
                                          maxSequenceLength: try integer(ServeSettings.maxLength) ?? RewardModel.Options().maxSequenceLength,
                                          weightPrecision: try choice(ServeSettings.weights, as: WeightPrecision.self) ?? .float32,
                                          compute: try choice(ServeSettings.compute, as: ComputeMode.self) ?? .float32)
        if let threads = try integer(ServeSettings.threads) { options.threads = threads }
        return options
    }

    func overflow() throws -> OverflowPolicy {
        try choice(ServeSettings.overflow, as: OverflowPolicy.self) ?? .reject
    }

    func logLevel() throws -> Logger.Level {
        try choice(ServeSettings.logLevel, as: Logger.Level.self) ?? .info
    }

    /// The service's configuration; every value from the table.
    func serviceConfiguration(kafkaAssignments: [String]) throws -> ServiceConfiguration {
        let defaults = ServiceConfiguration.defaults
        return ServiceConfiguration(
            brokers: try text(ServeSettings.brokers) ?? defaults.brokers,
            group: try text(ServeSettings.group) ?? defaults.group,
            inputTopic: try text(ServeSettings.inputTopic) ?? defaults.inputTopic,
            resultsTopic: try text(ServeSettings.resultsTopic) ?? defaults.resultsTopic,
            deadLetterTopic: try text(ServeSettings.deadLetterTopic) ?? defaults.deadLetterTopic,
            sftTopic: try text(ServeSettings.sftTopic),
            pairsTopic: try text(ServeSettings.pairsTopic),
            policy: try selectionPolicy(),
            kafkaProperties: try kafkaProperties(assignments: kafkaAssignments),
            maxCandidates: try integer(ServeSettings.maxCandidates) ?? defaults.maxCandidates,
            maxInFlightTokens: try integer(ServeSettings.maxInflightTokens) ?? defaults.maxInFlightTokens,
            metricsAddress: try text(ServeSettings.metricsAddress),
            exactlyOnce: try boolean(ServeSettings.exactlyOnce),
            transactionInterval: try integer(ServeSettings.transactionIntervalMs).map { .milliseconds($0) } ?? defaults.transactionInterval,
            drainTimeout: try duration(ServeSettings.drainTimeout) ?? defaults.drainTimeout,
            maxInFlightBytes: try integer(ServeSettings.maxInflightBytes) ?? defaults.maxInFlightBytes,
            maxPairsPerGroup: try integer(ServeSettings.maxPairsPerGroup) ?? defaults.maxPairsPerGroup,
            maxSFTRowsPerGroup: try integer(ServeSettings.maxSftRowsPerGroup) ?? defaults.maxSFTRowsPerGroup,
            outputRetryTimeout: try duration(ServeSettings.outputRetryTimeout) ?? defaults.outputRetryTimeout)
    }

    /// The policy of the first source that gives one: the flag, the environment (each JSON or
    /// @FILE), the file's object; else argmax and ranking only.
    func selectionPolicy() throws -> SelectionPolicy {
        if let flag = flags[ServeSettings.policy] { return try PolicyOption.read(flag) }
        if let text = environment[ServeSettings.policy.environmentVariable], !text.isEmpty {
            return try PolicyOption.read(text, origin: ServeSettings.policy.environmentVariable)
        }
        return try file?.policy() ?? SelectionPolicy()
    }

    /// librdkafka properties, merged: the file's `kafka` object, then WINNOW_KAFKA_PROPERTIES,
    /// then each -X (a later one wins for the same key).
    func kafkaProperties(assignments: [String]) throws -> [String: String] {
        var properties = KafkaConfiguration()
        for (key, value) in try file?.kafkaProperties() ?? [] { properties[key] = value }
        if let text = environment[ServeSettings.kafkaProperties.environmentVariable] {
            do {
                for (key, value) in try KafkaPropertiesText.parse(text) { properties[key] = value }
            } catch {
                throw CommandFailure(error.description)
            }
        }
        for assignment in assignments { try properties.set(assignment: assignment) }
        return properties.properties
    }

    /// Whether Kafka brokers were configured at all (flag, environment or file; not the default).
    func brokersConfigured() throws -> Bool {
        try given(ServeSettings.brokers) != nil
    }

    /// The HTTP front door's settings, or nil when no HTTP address is configured
    /// (`metricsAddress` stands in for it: `--metrics-address` alone serves every endpoint there).
    func httpSettings(metricsAddress: String?, tokenBudget: Int) throws -> HTTPFrontDoor.Settings? {
        guard let address = try text(ServeSettings.httpAddress) ?? metricsAddress else { return nil }
        let (host, port) = try HTTPFrontDoor.Settings.address(address)
        let defaults = HTTPFrontDoor.Settings(host: host, port: port)
        return HTTPFrontDoor.Settings(
            host: host, port: port,
            maxBodyBytes: try integer(ServeSettings.httpMaxBodyBytes) ?? defaults.maxBodyBytes,
            maxInputs: try integer(ServeSettings.httpMaxInputs) ?? defaults.maxInputs,
            requestTimeout: try duration(ServeSettings.httpTimeout) ?? defaults.requestTimeout,
            batching: ScoreBatcher.Settings(
                window: try duration(ServeSettings.httpBatchWindowMs) ?? defaults.batching.window,
                batchTokens: try integer(ServeSettings.httpBatchTokens) ?? 4 * tokenBudget,
                maxQueuedRequests: try integer(ServeSettings.httpMaxQueue) ?? defaults.batching.maxQueuedRequests))
    }
}
