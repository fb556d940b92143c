/// One Prometheus metric family, declared once with everything the exposition needs: name, kind,
/// help text, label names and (histograms) bucket bounds.
///
/// The kind is part of the type, so a counter can only be incremented, a gauge only set and a
/// histogram only observed, and a metric is named through its declaration (`.recordsConsumed`),
/// never through a string: a misspelt metric does not compile. Declarations are static members
/// on `Metric where Kind == ...` (ServiceMetrics.swift, WinnowHTTP's HTTPMetrics.swift).
public struct Metric<Kind: MetricKind>: Sendable, Hashable {
    /// The series name, e.g. `winnow_records_consumed_total`.
    public let name: String
    public let help: String
    /// The labels every series of this family carries (empty: one unlabelled series).
    public let labelNames: [String]
    /// Upper bounds of the cumulative buckets (histograms only; `+Inf` is added when rendered).
    public let buckets: [Double]

    public init(_ name: String, help: String, labels: [String] = [], buckets: [Double] = []) {
        self.name = name
        self.help = help
        self.labelNames = labels
        self.buckets = buckets
    }

    /// The declaration without its kind in the type, for catalogues that list every kind.
    public var erased: AnyMetric { AnyMetric(name: name, kind: Kind.kind, help: help, labelNames: labelNames, buckets: buckets) }
}

/// The three kinds of Prometheus metric Winnow exports; the type parameter of `Metric`.
public protocol MetricKind: Sendable, Hashable {
    static var kind: AnyMetric.Kind { get }
}

/// A monotonically increasing count.
public enum CounterKind: MetricKind { public static var kind: AnyMetric.Kind { .counter } }
/// A value that goes up and down.
public enum GaugeKind: MetricKind { public static var kind: AnyMetric.Kind { .gauge } }
/// Observations counted into cumulative buckets, with their sum and count.
public enum HistogramKind: MetricKind { public static var kind: AnyMetric.Kind { .histogram } }

/// A `Metric` of any kind: one entry of a catalogue, in the order the exposition lists them.
public struct AnyMetric: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public let name: String
    public let kind: Kind
    public let help: String
    public let labelNames: [String]
    public let buckets: [Double]
}
