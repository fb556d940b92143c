/// librdkafka takes timeouts as milliseconds in a C int; -1 means "wait forever".
extension Duration {
    var rdKafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        if milliseconds.overflow { return Int32.max }
        // Round up so that a positive sub-millisecond timeout does not become "don't wait".
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds.partialValue + fraction)
    }
}
