import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t`: one this module created, or one librdkafka returned
/// to the caller (`rd_kafka_assignment`, ...). Lists that librdkafka only lends (the rebalance
/// callback's) are read through the static helpers and never wrapped.
final class RDKafkaTopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// Sentinel librdkafka uses for "no offset" (`RD_KAFKA_OFFSET_INVALID`).
    static let invalidOffset: Int64 = -1001

    init(capacity: Int = 0) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: capacity))
    }

    /// Takes ownership of a list librdkafka allocated for the caller.
    init(adopting pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    convenience init(_ partitions: [KafkaTopicPartition]) {
        self.init(capacity: partitions.count)
        for partition in partitions { add(partition, offset: nil) }
    }

    convenience init(_ offsets: [KafkaTopicPartition: Int64]) {
        self.init(capacity: offsets.count)
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) { add(partition, offset: offset) }
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(pointer)
    }

    func add(_ partition: KafkaTopicPartition, offset: Int64?) {
        let element = rd_kafka_topic_partition_list_add(pointer, partition.topic, partition.partition)
        element?.pointee.offset = offset ?? Self.invalidOffset
    }

    var partitions: [KafkaTopicPartition] { Self.partitions(in: pointer) }

    /// Offsets per partition; `invalidOffset` (-1001) where librdkafka has none.
    func offsets() -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        Self.forEach(in: pointer) { offsets[$0] = $1.offset }
        return offsets
    }

    /// Per-partition results: the first partition that carries an error is thrown.
    func throwFirstError(kind: KafkaError.Kind, client: RDKafkaClient) throws {
        var failure: KafkaError?
        Self.forEach(in: pointer) { partition, element in
            if failure == nil, element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                failure = client.error(element.err, kind: kind,
                                       detail: "\(partition): \(String(cString: rd_kafka_err2str(element.err)))")
            }
        }
        if let failure { throw failure }
    }

    static func partitions(in list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartition] {
        var partitions: [KafkaTopicPartition] = []
        forEach(in: list) { partition, _ in partitions.append(partition) }
        return partitions
    }

    private static func forEach(in list: UnsafePointer<rd_kafka_topic_partition_list_t>,
                                _ body: (KafkaTopicPartition, rd_kafka_topic_partition_t) -> Void) {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return }
        for index in 0..<count {
            let element = elements[index]
            let topic = element.topic.map { String(cString: $0) } ?? ""
            body(KafkaTopicPartition(topic: topic, partition: element.partition), element)
        }
    }
}
