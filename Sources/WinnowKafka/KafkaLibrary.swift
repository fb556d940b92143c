/// A small, safe Swift layer over librdkafka.
///
/// - `KafkaConfiguration`: librdkafka properties, passed through unchanged.
/// - `KafkaProducer`: idempotent (optionally transactional) producer with per-record delivery reports.
/// - `KafkaConsumer`: consumer-group member with explicit commits, pause/resume and rebalance events.
/// - `KafkaAdmin`: topic creation, watermarks, committed offsets, lag.
/// - `KafkaError`: every failure, with librdkafka's code and message.
///
/// Every librdkafka pointer is owned by one internal `RDKafka*` object and freed exactly once.
/// Threading in one line: producers and admin clients may be shared across threads; a consumer is
/// polled from one thread (see each type's documentation).
public enum KafkaLibrary {
    /// The librdkafka version the process runs with, e.g. "2.8.0".
    public static var librdkafkaVersion: String { RDKafkaClient.libraryVersion }
}
