import WinnowKafka

/// The producer's size limit, checked before producing: an output over it would only come back
/// as `MSG_SIZE_TOO_LARGE`, so its record is dead-lettered at once instead.
struct OutputLimits: Sendable {
    /// The producer's `message.max.bytes` (librdkafka's default: 1,000,000).
    let maxMessageBytes: Int

    /// Room kept for the record's framing in its batch (offsets, timestamps, lengths, CRC):
    /// generous, so what passes here also passes librdkafka's and the broker's own checks.
    static let recordOverhead = 512

    /// Keys above this many bytes are replaced by their sha256 on dead letters.
    static let maxDeadLetterKeyBytes = 1024

    init(producerConfiguration: KafkaConfiguration) {
        maxMessageBytes = producerConfiguration["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
    }

    func fits(_ message: KafkaProducerMessage) -> Bool {
        message.approximateSize + Self.recordOverhead <= maxMessageBytes
    }

    /// The most a value may hold beside a key of `keyBytes`.
    func maxValueBytes(keyBytes: Int) -> Int {
        max(0, maxMessageBytes - Self.recordOverhead - keyBytes)
    }
}
