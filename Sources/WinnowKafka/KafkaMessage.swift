/// A record header. Kafka allows repeated keys and null values.
public struct KafkaHeader: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    public init(key: String, value: String) {
        self.init(key: key, value: Array(value.utf8))
    }
}

/// A record's timestamp and where it came from.
public struct KafkaTimestamp: Hashable, Sendable {
    public enum Kind: Sendable { case createTime, logAppendTime }
    public var kind: Kind
    public var millisecondsSinceEpoch: Int64
}

/// A record read by `KafkaConsumer.poll`, copied out of librdkafka's buffers.
public struct KafkaMessage: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// nil for a null key (distinct from an empty one).
    public var key: [UInt8]?
    /// nil for a null value (a tombstone).
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    public var timestamp: KafkaTimestamp?

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    /// The offset to commit once this record is done: the next one to read.
    public var nextOffset: Int64 { offset + 1 }
}

/// A record to produce.
public struct KafkaProducerMessage: Hashable, Sendable {
    public var topic: String
    /// nil lets the configured partitioner choose (by key hash when there is a key).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?,
                headers: [KafkaHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// UTF-8 key and value.
    public init(topic: String, partition: Int32? = nil, key: String?, value: String?,
                headers: [KafkaHeader] = []) {
        self.init(topic: topic, partition: partition, key: key.map { Array($0.utf8) },
                  value: value.map { Array($0.utf8) }, headers: headers)
    }
}

/// The broker's acknowledgement of one produced record.
public struct KafkaDeliveryReport: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestamp: KafkaTimestamp?

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}
