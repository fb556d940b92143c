import Foundation
import Synchronization

/// Prometheus metrics, rendered in the text exposition format (version 0.0.4): the families of a
/// catalogue of `Metric` declarations, each updated through its declaration.
///
/// A family declared without labels always shows one series (0, or an empty histogram, before
/// the first update); one with labels shows a series per label set once it has been updated.
/// Series are listed in catalogue order, then by label values. Thread-safe: every stage of the
/// service updates it from its own thread.
///
/// Why not swift-prometheus: its registry lists families in dictionary order (different in each
/// process), prints gauges as `1.0` (the info gauge must read `winnow_compute_info{...} 1`),
/// stops the process when a family gets labelled and unlabelled series, and has no way to list a
/// family before its first update; the names, order and values here are what deploy/ and the
/// tests read.
public final class Metrics: Sendable {
    /// Cumulative buckets, as Prometheus histograms have them.
    struct Buckets: Sendable {
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(bounds: Int) { counts = Array(repeating: 0, count: bounds) }

        mutating func observe(_ value: Double, bounds: [Double]) {
            for (i, bound) in bounds.enumerated() where value <= bound { counts[i] += 1 }
            sum += value
            count += 1
        }
    }

    /// Label values in the family's declared label order (empty for an unlabelled family).
    typealias LabelValues = [String]

    private struct State {
        var values: [String: [LabelValues: Double]] = [:]
        var histograms: [String: [LabelValues: Buckets]] = [:]
    }

    /// The families this instance renders, in order.
    public let catalogue: [AnyMetric]
    private let state = Mutex(State())

    public init(catalogue: [AnyMetric] = Metrics.serviceCatalogue) {
        self.catalogue = catalogue
    }

    public func increment(_ metric: Metric<CounterKind>, labels: [String: String] = [:], by value: Double = 1) {
        let values = Self.labelValues(metric.labelNames, labels)
        state.withLock { $0.values[metric.name, default: [:]][values, default: 0] += value }
    }

    public func set(_ metric: Metric<GaugeKind>, labels: [String: String] = [:], _ value: Double) {
        let values = Self.labelValues(metric.labelNames, labels)
        state.withLock { $0.values[metric.name, default: [:]][values] = value }
    }

    public func observe(_ metric: Metric<HistogramKind>, labels: [String: String] = [:], _ value: Double) {
        let values = Self.labelValues(metric.labelNames, labels)
        state.withLock { state in
            state.histograms[metric.name, default: [:]][values, default: Buckets(bounds: metric.buckets.count)]
                .observe(value, bounds: metric.buckets)
        }
    }

    /// Removes every series of `metric` (for per-partition gauges after a rebalance).
    public func clear(_ metric: Metric<GaugeKind>) {
        state.withLock { _ = $0.values.removeValue(forKey: metric.name) }
    }

    /// The exposition text.
    public func render() -> String {
        let state = state.withLock { $0 }
        var out = ""
        for metric in catalogue {
            out += "# HELP \(metric.name) \(Self.escapeHelp(metric.help))\n# TYPE \(metric.name) \(metric.kind.rawValue)\n"
            switch metric.kind {
            case .histogram:
                var series = state.histograms[metric.name] ?? [:]
                if series.isEmpty && metric.labelNames.isEmpty { series[[]] = Buckets(bounds: metric.buckets.count) }
                for (values, buckets) in series.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                    let labels = zip(metric.labelNames, values).map { ($0, $1) }
                    for (bound, count) in zip(metric.buckets, buckets.counts) {
                        out += "\(metric.name)_bucket\(Self.labelText(labels + [("le", Self.format(bound))])) \(count)\n"
                    }
                    out += "\(metric.name)_bucket\(Self.labelText(labels + [("le", "+Inf")])) \(buckets.count)\n"
                    out += "\(metric.name)_sum\(Self.labelText(labels)) \(Self.format(buckets.sum))\n"
                    out += "\(metric.name)_count\(Self.labelText(labels)) \(buckets.count)\n"
                }
            case .counter, .gauge:
                var series = state.values[metric.name] ?? [:]
                if series.isEmpty && metric.labelNames.isEmpty { series[[]] = 0 }
                let rendered = series.map { values, value in
                    (Self.labelText(zip(metric.labelNames, values).map { ($0, $1) }), value)
                }
                for (labels, value) in rendered.sorted(by: { $0.0 < $1.0 }) {
                    out += "\(metric.name)\(labels) \(Self.format(value))\n"
                }
            }
        }
        return out
    }

    /// `labels` in the declared order. A label the declaration does not name is a programming
    /// error (the tests render every declaration); it is dropped rather than ever crashing the
    /// service, and a declared label not given is empty.
    static func labelValues(_ names: [String], _ labels: [String: String]) -> LabelValues {
        assert(Set(labels.keys).isSubset(of: names), "labels \(labels.keys.sorted()) not declared (\(names))")
        return names.map { labels[$0] ?? "" }
    }

    /// `{a="1",b="2"}`, keys sorted (as Prometheus prints them), `le` last; empty without labels.
    static func labelText(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        let ordered = labels.filter { $0.0 != "le" }.sorted { $0.0 < $1.0 } + labels.filter { $0.0 == "le" }
        return "{" + ordered.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Label values escape backslash, double quote and line feed (exposition format 0.0.4).
    static func escapeLabel(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Help text escapes backslash and line feed.
    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Whole numbers without a fraction (`1`, not `1.0`), others as Swift prints doubles.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
