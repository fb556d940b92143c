import Testing
@testable import WinnowService

@Suite struct MetricsTests {
    @Test func rendersCountersGaugesAndCumulativeHistograms() {
        let metrics = Metrics()
        metrics.increment("winnow_groups_scored_total")
        metrics.increment("winnow_groups_scored_total", by: 2)
        metrics.increment("winnow_groups_dead_lettered_total", labels: ["reason": "too_long"])
        metrics.set("winnow_consumer_lag", labels: ["topic": "in", "partition": "1"], 7)
        metrics.observe("winnow_forward_seconds", 0.02)
        metrics.observe("winnow_forward_seconds", 3)
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
        for (name, type, _) in Metrics.catalogue {
            #expect(text.contains("# HELP \(name) ") && text.contains("# TYPE \(name) \(type)\n"))
        }
        metrics.clearGauge("winnow_consumer_lag")
        #expect(!metrics.render().contains("winnow_consumer_lag{"))
    }
}
