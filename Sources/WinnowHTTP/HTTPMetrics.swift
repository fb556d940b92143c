import WinnowService

/// Prometheus series of the HTTP front door, per endpoint, in the style of Text Embeddings
/// Inference's `te_*` metrics (`te_request_count`, `te_request_failure`, `te_request_duration`,
/// `te_request_queue_duration`, `te_request_inference_duration`, `te_batch_next_size`,
/// `te_queue_size`), named `winnow_http_*`. Rendered after the service's own series on `/metrics`,
/// by the same exposition writer (`Metrics`).
public final class HTTPMetrics: Sendable {
    /// Every HTTP metric, in the order `/metrics` lists them.
    public static let catalogue: [AnyMetric] = [
        Metric<CounterKind>.httpRequests.erased, Metric<CounterKind>.httpRequestErrors.erased,
        Metric<CounterKind>.httpSequences.erased,
        Metric<HistogramKind>.httpRequestDuration.erased, Metric<HistogramKind>.httpQueueDuration.erased,
        Metric<HistogramKind>.httpInferenceDuration.erased, Metric<HistogramKind>.httpBatchRequests.erased,
        Metric<HistogramKind>.httpBatchSequences.erased, Metric<HistogramKind>.httpBatchTokens.erased,
        Metric<HistogramKind>.httpBatchInferenceSeconds.erased,
        Metric<CounterKind>.httpPrefixTokensReused.erased,
        Metric<GaugeKind>.httpQueueSize.erased,
    ]

    private let metrics = Metrics(catalogue: HTTPMetrics.catalogue)

    public init() {}

    func countRequest(endpoint: String, status: Int, seconds: Double, sequences: Int) {
        let labels = ["endpoint": endpoint, "status": String(status)]
        metrics.increment(.httpRequests, labels: labels)
        if status >= 400 { metrics.increment(.httpRequestErrors, labels: labels) }
        if sequences > 0 { metrics.increment(.httpSequences, labels: ["endpoint": endpoint], by: Double(sequences)) }
        metrics.observe(.httpRequestDuration, labels: ["endpoint": endpoint], seconds)
    }

    func observeTimes(endpoint: String, queueSeconds: Double, inferenceSeconds: Double) {
        metrics.observe(.httpQueueDuration, labels: ["endpoint": endpoint], queueSeconds)
        metrics.observe(.httpInferenceDuration, labels: ["endpoint": endpoint], inferenceSeconds)
    }

    func observeBatch(requests: Int, sequences: Int, tokens: Int, prefixTokensReused: Int, seconds: Double) {
        metrics.observe(.httpBatchRequests, Double(requests))
        metrics.observe(.httpBatchSequences, Double(sequences))
        metrics.observe(.httpBatchTokens, Double(tokens))
        metrics.observe(.httpBatchInferenceSeconds, seconds)
        metrics.increment(.httpPrefixTokensReused, by: Double(prefixTokensReused))
    }

    func setQueueSize(_ size: Int) { metrics.set(.httpQueueSize, Double(size)) }

    /// The exposition text (format 0.0.4).
    public func render() -> String { metrics.render() }
}

/// Bucket bounds shared by the HTTP histograms.
private enum HTTPBuckets {
    static let seconds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    static let sizes: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    static let tokens: [Double] = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]
}

extension Metric where Kind == CounterKind {
    public static let httpRequests = Metric("winnow_http_requests_total",
                                            help: "HTTP requests answered, by endpoint and status (te_request_count).",
                                            labels: ["endpoint", "status"])
    public static let httpRequestErrors = Metric("winnow_http_request_errors_total",
                                                 help: "HTTP requests answered with an error status, by endpoint and status (te_request_failure).",
                                                 labels: ["endpoint", "status"])
    public static let httpSequences = Metric("winnow_http_sequences_total", help: "Sequences scored for HTTP requests, by endpoint.",
                                             labels: ["endpoint"])
    public static let httpPrefixTokensReused = Metric("winnow_http_prefix_tokens_reused_total",
                                                      help: "Tokens not computed because a sequence shared its prefix with another in the batch (across requests too).")
}

extension Metric where Kind == HistogramKind {
    public static let httpRequestDuration = Metric("winnow_http_request_duration_seconds",
                                                   help: "Time from the request's arrival to its response, by endpoint (te_request_duration).",
                                                   labels: ["endpoint"], buckets: HTTPBuckets.seconds)
    public static let httpQueueDuration = Metric("winnow_http_queue_duration_seconds",
                                                 help: "Time a request waited for its batch, by endpoint (te_request_queue_duration).",
                                                 labels: ["endpoint"], buckets: HTTPBuckets.seconds)
    public static let httpInferenceDuration = Metric("winnow_http_inference_duration_seconds",
                                                     help: "Forward time of the batch that scored a request, by endpoint (te_request_inference_duration).",
                                                     labels: ["endpoint"], buckets: HTTPBuckets.seconds)
    public static let httpBatchRequests = Metric("winnow_http_batch_requests", help: "Requests scored together in one batch (te_batch_next_size).",
                                                 buckets: HTTPBuckets.sizes)
    public static let httpBatchSequences = Metric("winnow_http_batch_sequences", help: "Sequences in one batch.", buckets: HTTPBuckets.sizes)
    public static let httpBatchTokens = Metric("winnow_http_batch_tokens",
                                               help: "Tokens one batch computed, shared prefixes once (te_batch_next_tokens).",
                                               buckets: HTTPBuckets.tokens)
    public static let httpBatchInferenceSeconds = Metric("winnow_http_batch_inference_seconds",
                                                         help: "Wall time of one batch's forward passes (te_batch_inference_duration).",
                                                         buckets: HTTPBuckets.seconds)
}

extension Metric where Kind == GaugeKind {
    public static let httpQueueSize = Metric("winnow_http_queue_size", help: "Requests waiting for a batch (te_queue_size).")
}
