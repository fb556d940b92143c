import Foundation

/// The service's Prometheus metrics, rendered in the text exposition format (version 0.0.4).
/// Thread-safe: every stage updates it from its own thread.
public final class Metrics: @unchecked Sendable {
    private let lock = NSLock()
    private var counters: [String: Double] = [:]
    private var gauges: [String: Double] = [:]
    private var histograms: [String: Histogram] = [:]

    /// Cumulative buckets, as Prometheus histograms have them.
    struct Histogram {
        var bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(bounds: [Double]) {
            self.bounds = bounds
            counts = Array(repeating: 0, count: bounds.count)
        }

        mutating func observe(_ value: Double) {
            for (i, bound) in bounds.enumerated() where value <= bound { counts[i] += 1 }
            sum += value
            count += 1
        }
    }

    /// Name, help text and type of every metric, in the order they are rendered.
    static let catalogue: [(name: String, type: String, help: String)] = [
        ("winnow_records_consumed_total", "counter", "Input records read from the input topic."),
        ("winnow_groups_scored_total", "counter", "Prompt groups scored and published to the results topic (acknowledged)."),
        ("winnow_groups_dead_lettered_total", "counter", "Records published to the dead-letter topic (acknowledged), by reason."),
        ("winnow_candidates_scored_total", "counter", "Candidates scored."),
        ("winnow_transactions_committed_total", "counter", "Kafka transactions committed (--exactly-once)."),
        ("winnow_rejection_outcomes_total", "counter", "Groups by rejection-sampling outcome (accepted, none_passed, fell_back_to_best, group_too_small)."),
        ("winnow_sft_samples_total", "counter", "Accepted samples published to the SFT topic (acknowledged)."),
        ("winnow_preference_pairs_total", "counter", "Preference pairs published to the pairs topic (acknowledged)."),
        ("winnow_tokens_scored_total", "counter", "Tokens computed by forward passes (shared prompt prefixes once)."),
        ("winnow_batch_groups", "histogram", "Prompt groups per scoring batch."),
        ("winnow_forward_seconds", "histogram", "Wall time of one scoring batch (all its forward passes)."),
        ("winnow_inflight_tokens", "gauge", "Tokens queued or being scored."),
        ("winnow_partitions_paused", "gauge", "1 while the consumer's partitions are paused for back-pressure."),
        ("winnow_pending_records", "gauge", "Records read whose offsets are not yet committable."),
        ("winnow_outputs_awaiting_transaction", "gauge", "Done records whose outputs wait for the next transaction (--exactly-once)."),
        ("winnow_inflight_bytes", "gauge", "Bytes held by records being tokenized or scored and outputs awaiting acknowledgement or a transaction."),
        ("winnow_outputs_awaiting_delivery", "gauge", "Records whose outputs await acknowledgement (at-least-once) or a transaction (exactly-once)."),
        ("winnow_oldest_pending_output_seconds", "gauge", "Age of the oldest output not yet acknowledged or committed; grows while an output topic is down."),
        ("winnow_consumer_lag", "gauge", "Records in the input partition after the last one read, by partition."),
        ("winnow_compute_info", "gauge", "1, labelled with what the model computes on: CPU, features, BLAS core and how it was chosen, kernels."),
    ]

    static let batchBounds: [Double] = [1, 2, 4, 8, 16, 32, 64, 128]
    static let secondsBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    public init() {}

    public func increment(_ name: String, labels: [String: String] = [:], by value: Double = 1) {
        let key = Self.series(name, labels)
        lock.lock(); defer { lock.unlock() }
        counters[key, default: 0] += value
    }

    public func set(_ name: String, labels: [String: String] = [:], _ value: Double) {
        let key = Self.series(name, labels)
        lock.lock(); defer { lock.unlock() }
        gauges[key] = value
    }

    public func observe(_ name: String, _ value: Double) {
        lock.lock(); defer { lock.unlock() }
        var histogram = histograms[name] ?? Histogram(bounds: name == "winnow_batch_groups" ? Self.batchBounds : Self.secondsBounds)
        histogram.observe(value)
        histograms[name] = histogram
    }

    /// Removes every series of gauge `name` (for per-partition gauges after a rebalance).
    public func clearGauge(_ name: String) {
        lock.lock(); defer { lock.unlock() }
        gauges = gauges.filter { !($0.key == name || $0.key.hasPrefix(name + "{")) }
    }

    /// The exposition text.
    public func render() -> String {
        lock.lock(); defer { lock.unlock() }
        var out = ""
        for (name, type, help) in Self.catalogue {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            switch type {
            case "histogram":
                let histogram = histograms[name] ?? Histogram(bounds: name == "winnow_batch_groups" ? Self.batchBounds : Self.secondsBounds)
                for (bound, count) in zip(histogram.bounds, histogram.counts) {
                    out += "\(name)_bucket{le=\"\(Self.format(bound))\"} \(count)\n"
                }
                out += "\(name)_bucket{le=\"+Inf\"} \(histogram.count)\n"
                out += "\(name)_sum \(Self.format(histogram.sum))\n\(name)_count \(histogram.count)\n"
            default:
                let values = type == "counter" ? counters : gauges
                let series = values.filter { $0.key == name || $0.key.hasPrefix(name + "{") }.sorted { $0.key < $1.key }
                if series.isEmpty && !name.hasSuffix("_lag") && !Self.labelledOnly.contains(name) {
                    out += "\(name) 0\n"
                }
                for (key, value) in series { out += "\(key) \(Self.format(value))\n" }
            }
        }
        return out
    }

    /// Counters that only exist with labels: no unlabelled zero series is printed for them.
    static let labelledOnly: Set<String> = ["winnow_groups_dead_lettered_total", "winnow_rejection_outcomes_total"]

    static func series(_ name: String, _ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return name }
        let rendered = labels.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\"\(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n"))\""
        }
        return "\(name){\(rendered.joined(separator: ","))}"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
