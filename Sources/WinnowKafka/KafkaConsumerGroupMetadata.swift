/// A consumer's group identity (group id, generation, member id) at one moment, for
/// `KafkaProducer.sendOffsetsToTransaction`. Take it right before sending offsets: a rebalance
/// makes it stale and the broker then rejects the offsets (fencing zombie consumers).
public struct KafkaConsumerGroupMetadata: Sendable {
    /// The librdkafka object, owned and freed by the RDKafka layer.
    let storage: RDKafkaGroupMetadata

    /// The C object, for the RDKafka layer's `rd_kafka_send_offsets_to_transaction` call.
    var pointer: OpaquePointer { storage.pointer }

    init(adopting storage: RDKafkaGroupMetadata) {
        self.storage = storage
    }
}
