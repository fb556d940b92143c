import CRdKafka

/// A consumer's group identity (group id, generation, member id) at one moment, for
/// `KafkaProducer.sendOffsetsToTransaction`. Take it right before sending offsets: a rebalance
/// makes it stale and the broker then rejects the offsets (fencing zombie consumers).
///
/// Immutable; owns an `rd_kafka_consumer_group_metadata_t` and frees it once.
public final class KafkaConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer

    init(adopting pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        rd_kafka_consumer_group_metadata_destroy(pointer)
    }
}
