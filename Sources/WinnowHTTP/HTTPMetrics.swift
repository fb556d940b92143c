import Synchronization

/// Prometheus series of the HTTP front door, per endpoint, in the style of Text Embeddings
/// Inference's `te_*` metrics (`te_request_count`, `te_request_failure`, `te_request_duration`,
/// `te_request_queue_duration`, `te_request_inference_duration`, `te_batch_next_size`,
/// `te_queue_size`), named `winnow_http_*`. Rendered after the service's own series on `/metrics`.
public final class HTTPMetrics: Sendable {
    private struct Histogram {
        var bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(_ bounds: [Double]) {
            self.bounds = bounds
            counts = Array(repeating: 0, count: bounds.count)
        }

        mutating func observe(_ value: Double) {
            for (i, bound) in bounds.enumerated() where value <= bound { counts[i] += 1 }
            sum += value
            count += 1
        }
    }

    private struct Series {
        var counters: [String: Double] = [:]
        var histograms: [String: Histogram] = [:]
        var queueSize = 0
    }

    private static let seconds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    private static let sizes: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    private static let tokens: [Double] = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]

    /// Name, type, help and buckets of every series, in the order they are rendered.
    private static let catalogue: [(name: String, type: String, help: String, bounds: [Double])] = [
        ("winnow_http_requests_total", "counter", "HTTP requests answered, by endpoint and status (te_request_count).", []),
        ("winnow_http_request_errors_total", "counter", "HTTP requests answered with an error status, by endpoint and status (te_request_failure).", []),
        ("winnow_http_sequences_total", "counter", "Sequences scored for HTTP requests, by endpoint.", []),
        ("winnow_http_request_duration_seconds", "histogram", "Time from the request's arrival to its response, by endpoint (te_request_duration).", seconds),
        ("winnow_http_queue_duration_seconds", "histogram", "Time a request waited for its batch, by endpoint (te_request_queue_duration).", seconds),
        ("winnow_http_inference_duration_seconds", "histogram", "Forward time of the batch that scored a request, by endpoint (te_request_inference_duration).", seconds),
        ("winnow_http_batch_requests", "histogram", "Requests scored together in one batch (te_batch_next_size).", sizes),
        ("winnow_http_batch_sequences", "histogram", "Sequences in one batch.", sizes),
        ("winnow_http_batch_tokens", "histogram", "Tokens one batch computed, shared prefixes once (te_batch_next_tokens).", tokens),
        ("winnow_http_batch_inference_seconds", "histogram", "Wall time of one batch's forward passes (te_batch_inference_duration).", seconds),
        ("winnow_http_prefix_tokens_reused_total", "counter", "Tokens not computed because a sequence shared its prefix with another in the batch (across requests too).", []),
        ("winnow_http_queue_size", "gauge", "Requests waiting for a batch (te_queue_size).", []),
    ]

    private let series = Mutex(Series())

    public init() {}

    func countRequest(endpoint: String, status: Int, seconds: Double, sequences: Int) {
        series.withLock { s in
            s.counters[Self.key("winnow_http_requests_total", ["endpoint": endpoint, "status": String(status)]), default: 0] += 1
            if status >= 400 {
                s.counters[Self.key("winnow_http_request_errors_total", ["endpoint": endpoint, "status": String(status)]), default: 0] += 1
            }
            if sequences > 0 { s.counters[Self.key("winnow_http_sequences_total", ["endpoint": endpoint]), default: 0] += Double(sequences) }
            Self.observe(&s, "winnow_http_request_duration_seconds", ["endpoint": endpoint], seconds)
        }
    }

    func observeTimes(endpoint: String, queueSeconds: Double, inferenceSeconds: Double) {
        series.withLock { s in
            Self.observe(&s, "winnow_http_queue_duration_seconds", ["endpoint": endpoint], queueSeconds)
            Self.observe(&s, "winnow_http_inference_duration_seconds", ["endpoint": endpoint], inferenceSeconds)
        }
    }

    func observeBatch(requests: Int, sequences: Int, tokens: Int, prefixTokensReused: Int, seconds: Double) {
        series.withLock { s in
            Self.observe(&s, "winnow_http_batch_requests", [:], Double(requests))
            Self.observe(&s, "winnow_http_batch_sequences", [:], Double(sequences))
            Self.observe(&s, "winnow_http_batch_tokens", [:], Double(tokens))
            Self.observe(&s, "winnow_http_batch_inference_seconds", [:], seconds)
            s.counters["winnow_http_prefix_tokens_reused_total", default: 0] += Double(prefixTokensReused)
        }
    }

    func setQueueSize(_ size: Int) { series.withLock { $0.queueSize = size } }

    /// The exposition text (format 0.0.4).
    public func render() -> String {
        series.withLock { s in
            var out = ""
            for (name, type, help, bounds) in Self.catalogue {
                out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
                switch type {
                case "gauge":
                    out += "\(name) \(s.queueSize)\n"
                case "histogram":
                    let found = s.histograms.filter { Self.name(of: $0.key) == name }.sorted { $0.key < $1.key }
                    var all: [(String, Histogram)] = found.map { ($0.key, $0.value) }
                    // Batch histograms are shown empty from the start; per-endpoint ones appear with their first request.
                    if all.isEmpty && !name.contains("duration") { all = [(name, Histogram(bounds))] }
                    for (key, h) in all {
                        let labels = Self.labels(of: key)
                        for (bound, count) in zip(h.bounds, h.counts) {
                            out += "\(name)_bucket{\(labels.isEmpty ? "" : labels + ",")le=\"\(Self.format(bound))\"} \(count)\n"
                        }
                        out += "\(name)_bucket{\(labels.isEmpty ? "" : labels + ",")le=\"+Inf\"} \(h.count)\n"
                        let suffix = labels.isEmpty ? "" : "{\(labels)}"
                        out += "\(name)_sum\(suffix) \(Self.format(h.sum))\n\(name)_count\(suffix) \(h.count)\n"
                    }
                default:
                    let found = s.counters.filter { Self.name(of: $0.key) == name }.sorted { $0.key < $1.key }
                    if found.isEmpty && name == "winnow_http_prefix_tokens_reused_total" { out += "\(name) 0\n" }
                    for (key, value) in found { out += "\(key) \(Self.format(value))\n" }
                }
            }
            return out
        }
    }

    private static func observe(_ s: inout Series, _ name: String, _ labels: [String: String], _ value: Double) {
        let bounds = catalogue.first { $0.name == name }?.bounds ?? seconds
        let k = key(name, labels)
        var h = s.histograms[k] ?? Histogram(bounds)
        h.observe(value)
        s.histograms[k] = h
    }

    private static func key(_ name: String, _ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return name }
        let rendered = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
        return "\(name){\(rendered.joined(separator: ","))}"
    }

    private static func name(of key: String) -> String { String(key.prefix { $0 != "{" }) }

    private static func labels(of key: String) -> String {
        guard let open = key.firstIndex(of: "{") else { return "" }
        return String(key[key.index(after: open)..<key.index(before: key.endIndex)])
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
