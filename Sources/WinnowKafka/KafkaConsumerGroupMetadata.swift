/// A consumer's group identity (group id, generation, member id) at one moment, for
/// `KafkaProducer.sendOffsetsToTransaction`. Take it right before sending offsets: a rebalance
/// makes it stale and the broker then rejects the offsets (fencing zombie consumers).
public struct KafkaConsumerGroupMetadata: Sendable {
    /// The librdkafka object, owned and freed by the RDKafka layer.
    let storage: RDKafkaGroupMetadata

    init(adopting storage: RDKafkaGroupMetadata) {
        self.storage = storage
    }
}
