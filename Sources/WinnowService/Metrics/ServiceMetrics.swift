// The service's metrics (`winnow serve` with Kafka), declared once each. Their names are what
// deploy/ (KEDA triggers, Prometheus rules) and the tests read: renaming one is a breaking change.

import RewardEngine

extension Metric where Kind == CounterKind {
    public static let recordsConsumed = Metric("winnow_records_consumed_total", help: "Input records read from the input topic.")
    public static let groupsScored = Metric("winnow_groups_scored_total",
                                            help: "Prompt groups scored and published to the results topic (acknowledged).")
    public static let groupsDeadLettered = Metric("winnow_groups_dead_lettered_total",
                                                  help: "Records published to the dead-letter topic (acknowledged), by reason.",
                                                  labels: ["reason"])
    public static let candidatesScored = Metric("winnow_candidates_scored_total", help: "Candidates scored.")
    public static let transactionsCommitted = Metric("winnow_transactions_committed_total",
                                                     help: "Kafka transactions committed (--exactly-once).")
    public static let rejectionOutcomes = Metric("winnow_rejection_outcomes_total",
                                                 help: "Groups by rejection-sampling outcome (accepted, none_passed, fell_back_to_best, group_too_small).",
                                                 labels: ["outcome"])
    public static let sftSamples = Metric("winnow_sft_samples_total", help: "Accepted samples published to the SFT topic (acknowledged).")
    public static let preferencePairs = Metric("winnow_preference_pairs_total",
                                               help: "Preference pairs published to the pairs topic (acknowledged).")
    public static let tokensScored = Metric("winnow_tokens_scored_total",
                                            help: "Tokens computed by forward passes (shared prompt prefixes once).")
}

extension Metric where Kind == HistogramKind {
    public static let batchGroups = Metric("winnow_batch_groups", help: "Prompt groups per scoring batch.",
                                           buckets: [1, 2, 4, 8, 16, 32, 64, 128])
    public static let forwardSeconds = Metric("winnow_forward_seconds", help: "Wall time of one scoring batch (all its forward passes).",
                                              buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
}

extension Metric where Kind == GaugeKind {
    public static let inflightTokens = Metric("winnow_inflight_tokens", help: "Tokens queued or being scored.")
    public static let partitionsPaused = Metric("winnow_partitions_paused",
                                                help: "1 while the consumer's partitions are paused for back-pressure.")
    public static let pendingRecords = Metric("winnow_pending_records", help: "Records read whose offsets are not yet committable.")
    public static let outputsAwaitingTransaction = Metric("winnow_outputs_awaiting_transaction",
                                                          help: "Done records whose outputs wait for the next transaction (--exactly-once).")
    public static let inflightBytes = Metric("winnow_inflight_bytes",
                                             help: "Bytes held by records being tokenized or scored and outputs awaiting acknowledgement or a transaction.")
    public static let outputsAwaitingDelivery = Metric("winnow_outputs_awaiting_delivery",
                                                       help: "Records whose outputs await acknowledgement (at-least-once) or a transaction (exactly-once).")
    public static let oldestPendingOutputSeconds = Metric("winnow_oldest_pending_output_seconds",
                                                          help: "Age of the oldest output not yet acknowledged or committed; grows while an output topic is down.")
    public static let consumerLag = Metric("winnow_consumer_lag", help: "Records in the input partition after the last one read, by partition.",
                                           labels: ["partition", "topic"])
    /// Labels: RewardEngine's `ComputeEnvironment.fields` (a test checks they match).
    public static let computeInfo = Metric("winnow_compute_info",
                                           help: "1, labelled with what the model computes on: CPU, features, BLAS core and how it was chosen, kernels, compute mode (requested, running, and how).",
                                           labels: ComputeEnvironment.fieldNames)
}

extension Metrics {
    /// Every service metric, in the order `/metrics` lists them.
    public static let serviceCatalogue: [AnyMetric] = [
        Metric<CounterKind>.recordsConsumed.erased,
        Metric<CounterKind>.groupsScored.erased,
        Metric<CounterKind>.groupsDeadLettered.erased,
        Metric<CounterKind>.candidatesScored.erased,
        Metric<CounterKind>.transactionsCommitted.erased,
        Metric<CounterKind>.rejectionOutcomes.erased,
        Metric<CounterKind>.sftSamples.erased,
        Metric<CounterKind>.preferencePairs.erased,
        Metric<CounterKind>.tokensScored.erased,
        Metric<HistogramKind>.batchGroups.erased,
        Metric<HistogramKind>.forwardSeconds.erased,
        Metric<GaugeKind>.inflightTokens.erased,
        Metric<GaugeKind>.partitionsPaused.erased,
        Metric<GaugeKind>.pendingRecords.erased,
        Metric<GaugeKind>.outputsAwaitingTransaction.erased,
        Metric<GaugeKind>.inflightBytes.erased,
        Metric<GaugeKind>.outputsAwaitingDelivery.erased,
        Metric<GaugeKind>.oldestPendingOutputSeconds.erased,
        Metric<GaugeKind>.consumerLag.erased,
        Metric<GaugeKind>.computeInfo.erased,
    ]
}
