import RewardEngine
import Testing
import WinnowHTTP
@testable import WinnowService

@Suite struct MetricsTests {
    @Test func rendersCountersGaugesAndCumulativeHistograms() throws {
        let metrics = Metrics()
        metrics.increment(.groupsScored)
        metrics.increment(.groupsScored, by: 2)
        metrics.increment(.groupsDeadLettered, labels: ["reason": "too_long"])
        metrics.set(.consumerLag, labels: ["topic": "in", "partition": "1"], 7)
        metrics.observe(.forwardSeconds, 0.02)
        metrics.observe(.forwardSeconds, 3)
        let text = metrics.render()
        #expect(metricValue(text, "winnow_groups_scored_total") == 3)
        #expect(metricValue(text, #"winnow_groups_dead_lettered_total{reason="too_long"}"#) == 1)
        #expect(metricValue(text, #"winnow_consumer_lag{partition="1",topic="in"}"#) == 7)
        #expect(metricValue(text, #"winnow_forward_seconds_bucket{le="0.01"}"#) == 0)
        #expect(metricValue(text, #"winnow_forward_seconds_bucket{le="0.025"}"#) == 1)
        #expect(metricValue(text, #"winnow_forward_seconds_bucket{le="5"}"#) == 2)
        #expect(metricValue(text, #"winnow_forward_seconds_bucket{le="+Inf"}"#) == 2)
        #expect(metricValue(text, "winnow_forward_seconds_count") == 2)
        #expect(metricValue(text, "winnow_records_consumed_total") == 0, "untouched counters show 0")
        // Every metric has HELP and TYPE lines.
        for metric in metrics.catalogue {
            #expect(text.contains("# HELP \(metric.name) ") && text.contains("# TYPE \(metric.name) \(metric.kind.rawValue)\n"))
        }
        metrics.clear(.consumerLag)
        #expect(!metrics.render().contains("winnow_consumer_lag{"))
        _ = try Exposition(metrics.render())
    }

    /// Every declared metric, updated with its declared labels (values that need escaping
    /// included) and rendered, parses strictly, with HELP and TYPE as declared and exactly the
    /// declared labels on every series.
    @Test("every declared metric renders well formed", arguments: ["service", "http"])
    func everyDeclaredMetricIsWellFormed(catalogueName: String) throws {
        let catalogue = catalogueName == "service" ? Metrics.serviceCatalogue : HTTPMetrics.catalogue
        #expect(Set(catalogue.map(\.name)).count == catalogue.count, "names are unique")
        let metrics = Metrics(catalogue: catalogue)
        let awkward = "a \"quoted\" back\\slash\nnewline"
        for metric in catalogue {
            #expect(Exposition.isMetricName(metric.name) && metric.labelNames.allSatisfy(Exposition.isLabelName))
            #expect(metric.kind != .counter || metric.name.hasSuffix("_total"), "\(metric.name): counters end in _total")
            #expect(metric.kind != .histogram || (!metric.buckets.isEmpty && metric.buckets == metric.buckets.sorted()))
            let labels = Dictionary(uniqueKeysWithValues: metric.labelNames.enumerated().map { ($1, $0 == 0 ? awkward : "v\($0)") })
            let typed = Metric<CounterKind>(metric.name, help: metric.help, labels: metric.labelNames, buckets: metric.buckets)
            switch metric.kind {
            case .counter: metrics.increment(typed, labels: labels, by: 2.5)
            case .gauge: metrics.set(Metric<GaugeKind>(metric.name, help: metric.help, labels: metric.labelNames), labels: labels, -1)
            case .histogram:
                let histogram = Metric<HistogramKind>(metric.name, help: metric.help, labels: metric.labelNames, buckets: metric.buckets)
                for value in [0, metric.buckets[metric.buckets.count / 2], metric.buckets.last! * 10] {
                    metrics.observe(histogram, labels: labels, value)
                }
            }
        }
        let exposition = try Exposition(metrics.render())
        #expect(exposition.families.map(\.name) == catalogue.map(\.name), "families in catalogue order, nothing else")
        for metric in catalogue {
            let family = try #require(exposition.family(metric.name))
            #expect(family.type == metric.kind.rawValue)
            #expect(family.help == metric.help)
            #expect(!family.samples.isEmpty)
            for sample in family.samples {
                #expect(Set(sample.labels.keys).subtracting(["le"]) == Set(metric.labelNames), "\(sample)")
                if let first = metric.labelNames.first { #expect(sample.labels[first] == awkward, "escaped and read back") }
            }
            if metric.kind == .histogram {
                #expect(family.samples.first { $0.name == metric.name + "_count" }?.value == 3)
            }
        }
    }

    @Test func theInfoGaugeReadsOne() throws {
        let metrics = Metrics()
        let compute = ComputeEnvironment.current(threads: 1)
        #expect(compute.fields.map(\.key) == Metric<GaugeKind>.computeInfo.labelNames, "declared labels follow ComputeEnvironment")
        metrics.set(.computeInfo, labels: Dictionary(uniqueKeysWithValues: compute.fields.map { ($0.key, $0.value) }), 1)
        let line = try #require(metrics.render().split(separator: "\n").first { $0.hasPrefix("winnow_compute_info{") })
        #expect(line.hasSuffix("} 1"), "\(line)")
        #expect(try Exposition(metrics.render()).family("winnow_compute_info")?.samples.count == 1)
    }

    @Test func malformedExpositionIsRefused() {
        for text in ["# TYPE a counter\na{x=\"1} 1\n", "# TYPE a counter\na 1\n# TYPE b gauge\nb 1\na 2\n", "a 1\na 1\n",
                     "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "1a 1\n", "a 1"] {
            #expect(throws: Exposition.Failure.self, "\(text)") { try Exposition(text) }
        }
    }
}
