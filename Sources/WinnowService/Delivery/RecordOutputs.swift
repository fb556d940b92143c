import WinnowKafka

/// Everything one input record produces: its selection (with any SFT rows and preference
/// pairs), or its dead letter. Exactly one `RecordOutputs` per record reaches a delivery
/// strategy; if it cannot be delivered, its `replacement` (a dead letter) takes its place, so the
/// record still ends with exactly one outcome.
struct RecordOutputs: Sendable {
    var partition: KafkaTopicPartition
    var offset: Int64
    /// The partition's assignment generation when the record was read (`OffsetTracker`).
    var generation: UInt64
    /// The outcome record (the selection or the dead letter) first, then any training rows.
    var records: [KafkaProducerMessage]
    /// Runs once the records are acknowledged (at-least-once) or committed (exactly-once).
    var onDelivered: @Sendable () -> Void
    /// The dead letter that replaces these outputs when a producer error makes them
    /// undeliverable; nil for a dead letter itself (there is nothing left to fall back on).
    var replacement: (@Sendable (KafkaError) -> RecordOutputs)?

    var isDeadLetter: Bool { replacement == nil }

    /// Bytes held while the records wait for delivery: what back-pressure counts.
    var bytes: Int { records.reduce(0) { $0 + $1.approximateSize } }
}

extension KafkaProducerMessage {
    /// Key, value and headers: what counts against `message.max.bytes`, less the record
    /// framing (`OutputLimits.recordOverhead`).
    var approximateSize: Int {
        (key?.count ?? 0) + (value?.count ?? 0) + headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) }
    }
}
