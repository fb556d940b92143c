import ArgumentParser

// `winnow serve`'s flags, one per row of `ServeSettings` (names and help come from the table).
// Values stay text here: the resolver checks every source's text the same way.

/// The model and its input handling.
struct ServeModelFlags: ParsableArguments {
    @Option(name: .customLong(ServeSettings.model.flag), help: ServeSettings.model.argumentHelp)
    var model: String?

    @Option(name: .customLong(ServeSettings.threads.flag), help: ServeSettings.threads.argumentHelp)
    var threads: String?

    @Option(name: .customLong(ServeSettings.tokenBudget.flag), help: ServeSettings.tokenBudget.argumentHelp)
    var tokenBudget: String?

    @Option(name: .customLong(ServeSettings.maxLength.flag), help: ServeSettings.maxLength.argumentHelp)
    var maxLength: String?

    @Option(name: .customLong(ServeSettings.weights.flag), help: ServeSettings.weights.argumentHelp)
    var weights: String?

    @Option(name: .customLong(ServeSettings.compute.flag), help: ServeSettings.compute.argumentHelp)
    var compute: String?

    @Option(name: .customLong(ServeSettings.overflow.flag), help: ServeSettings.overflow.argumentHelp)
    var overflow: String?

    @Option(name: .customLong(ServeSettings.chatTemplate.flag), help: ServeSettings.chatTemplate.argumentHelp)
    var chatTemplate: String?

    /// The flags given, by setting.
    var values: [ServeSetting: String] {
        Dictionary(uniqueKeysWithValues: [
            (ServeSettings.model, model),
            (ServeSettings.threads, threads),
            (ServeSettings.tokenBudget, tokenBudget),
            (ServeSettings.maxLength, maxLength),
            (ServeSettings.weights, weights),
            (ServeSettings.compute, compute),
            (ServeSettings.overflow, overflow),
            (ServeSettings.chatTemplate, chatTemplate),
        ].compactMap { setting, value in value.map { (setting, $0) } })
    }
}

/// Kafka: brokers, topics, delivery, back-pressure, and the service's own settings.
struct ServeKafkaFlags: ParsableArguments {
    @Option(name: .customLong(ServeSettings.config.flag), help: ServeSettings.config.argumentHelp)
    var config: String?

    @Option(name: .customLong(ServeSettings.brokers.flag), help: ServeSettings.brokers.argumentHelp)
    var brokers: String?

    @Option(name: .customLong(ServeSettings.group.flag), help: ServeSettings.group.argumentHelp)
    var group: String?

    @Option(name: .customLong(ServeSettings.inputTopic.flag), help: ServeSettings.inputTopic.argumentHelp)
    var inputTopic: String?

    @Option(name: .customLong(ServeSettings.resultsTopic.flag), help: ServeSettings.resultsTopic.argumentHelp)
    var resultsTopic: String?

    @Option(name: .customLong(ServeSettings.deadLetterTopic.flag), help: ServeSettings.deadLetterTopic.argumentHelp)
    var deadLetterTopic: String?

    @Option(name: .customLong(ServeSettings.sftTopic.flag), help: ServeSettings.sftTopic.argumentHelp)
    var sftTopic: String?

    @Option(name: .customLong(ServeSettings.pairsTopic.flag), help: ServeSettings.pairsTopic.argumentHelp)
    var pairsTopic: String?

    @Option(name: .customLong(ServeSettings.policy.flag), help: ServeSettings.policy.argumentHelp)
    var policy: String?

    @Option(name: .customLong(ServeSettings.transactionIntervalMs.flag), help: ServeSettings.transactionIntervalMs.argumentHelp)
    var transactionIntervalMs: String?

    @Option(name: .customLong(ServeSettings.drainTimeout.flag), help: ServeSettings.drainTimeout.argumentHelp)
    var drainTimeout: String?

    @Option(name: .customLong(ServeSettings.maxCandidates.flag), help: ServeSettings.maxCandidates.argumentHelp)
    var maxCandidates: String?

    @Option(name: .customLong(ServeSettings.maxInflightTokens.flag), help: ServeSettings.maxInflightTokens.argumentHelp)
    var maxInflightTokens: String?

    @Option(name: .customLong(ServeSettings.maxInflightBytes.flag), help: ServeSettings.maxInflightBytes.argumentHelp)
    var maxInflightBytes: String?

    @Option(name: .customLong(ServeSettings.maxPairsPerGroup.flag), help: ServeSettings.maxPairsPerGroup.argumentHelp)
    var maxPairsPerGroup: String?

    @Option(name: .customLong(ServeSettings.maxSftRowsPerGroup.flag), help: ServeSettings.maxSftRowsPerGroup.argumentHelp)
    var maxSftRowsPerGroup: String?

    @Option(name: .customLong(ServeSettings.outputRetryTimeout.flag), help: ServeSettings.outputRetryTimeout.argumentHelp)
    var outputRetryTimeout: String?

    @Option(name: .customLong(ServeSettings.metricsAddress.flag), help: ServeSettings.metricsAddress.argumentHelp)
    var metricsAddress: String?

    @Option(name: .customLong(ServeSettings.logLevel.flag), help: ServeSettings.logLevel.argumentHelp)
    var logLevel: String?

    @Flag(name: .customLong(ServeSettings.exactlyOnce.flag), inversion: .prefixedNo, help: ServeSettings.exactlyOnce.argumentHelp)
    var exactlyOnce: Bool?

    @Option(name: .customShort(Character(ServeSettings.kafkaProperties.flag)), help: ServeSettings.kafkaProperties.argumentHelp)
    var kafkaProperties: [String] = []

    /// The flags given, by setting (-X apart: its values are merged, see `ServeSettingsResolver`).
    var values: [ServeSetting: String] {
        Dictionary(uniqueKeysWithValues: [
            (ServeSettings.config, config),
            (ServeSettings.brokers, brokers),
            (ServeSettings.group, group),
            (ServeSettings.inputTopic, inputTopic),
            (ServeSettings.resultsTopic, resultsTopic),
            (ServeSettings.deadLetterTopic, deadLetterTopic),
            (ServeSettings.sftTopic, sftTopic),
            (ServeSettings.pairsTopic, pairsTopic),
            (ServeSettings.policy, policy),
            (ServeSettings.transactionIntervalMs, transactionIntervalMs),
            (ServeSettings.drainTimeout, drainTimeout),
            (ServeSettings.maxCandidates, maxCandidates),
            (ServeSettings.maxInflightTokens, maxInflightTokens),
            (ServeSettings.maxInflightBytes, maxInflightBytes),
            (ServeSettings.maxPairsPerGroup, maxPairsPerGroup),
            (ServeSettings.maxSftRowsPerGroup, maxSftRowsPerGroup),
            (ServeSettings.outputRetryTimeout, outputRetryTimeout),
            (ServeSettings.metricsAddress, metricsAddress),
            (ServeSettings.logLevel, logLevel),
            (ServeSettings.exactlyOnce, exactlyOnce.map { String($0) }),
        ].compactMap { setting, value in value.map { (setting, $0) } })
    }
}

/// The HTTP front door.
struct ServeHTTPFlags: ParsableArguments {
    @Option(name: .customLong(ServeSettings.httpAddress.flag), help: ServeSettings.httpAddress.argumentHelp)
    var httpAddress: String?

    @Option(name: .customLong(ServeSettings.httpMaxBodyBytes.flag), help: ServeSettings.httpMaxBodyBytes.argumentHelp)
    var httpMaxBodyBytes: String?

    @Option(name: .customLong(ServeSettings.httpMaxInputs.flag), help: ServeSettings.httpMaxInputs.argumentHelp)
    var httpMaxInputs: String?

    @Option(name: .customLong(ServeSettings.httpMaxQueue.flag), help: ServeSettings.httpMaxQueue.argumentHelp)
    var httpMaxQueue: String?

    @Option(name: .customLong(ServeSettings.httpTimeout.flag), help: ServeSettings.httpTimeout.argumentHelp)
    var httpTimeout: String?

    @Option(name: .customLong(ServeSettings.httpBatchWindowMs.flag), help: ServeSettings.httpBatchWindowMs.argumentHelp)
    var httpBatchWindowMs: String?

    @Option(name: .customLong(ServeSettings.httpBatchTokens.flag), help: ServeSettings.httpBatchTokens.argumentHelp)
    var httpBatchTokens: String?

    /// The flags given, by setting.
    var values: [ServeSetting: String] {
        Dictionary(uniqueKeysWithValues: [
            (ServeSettings.httpAddress, httpAddress),
            (ServeSettings.httpMaxBodyBytes, httpMaxBodyBytes),
            (ServeSettings.httpMaxInputs, httpMaxInputs),
            (ServeSettings.httpMaxQueue, httpMaxQueue),
            (ServeSettings.httpTimeout, httpTimeout),
            (ServeSettings.httpBatchWindowMs, httpBatchWindowMs),
            (ServeSettings.httpBatchTokens, httpBatchTokens),
        ].compactMap { setting, value in value.map { (setting, $0) } })
    }
}
