import CRdKafka

/// Owns an `rd_kafka_consumer_group_metadata_t` and frees it once. Immutable after creation, and
/// librdkafka only reads it, so sharing it across threads is sound.
final class RDKafkaGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer

    init(adopting pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        rd_kafka_consumer_group_metadata_destroy(pointer)
    }
}
