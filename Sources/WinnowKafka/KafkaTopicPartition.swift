/// One partition of one topic.
public struct KafkaTopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// The low and high watermark offsets of a partition: the first offset still stored and the
/// offset the next message will get. Lag of a group = `high` - its committed offset.
public struct KafkaWatermarks: Hashable, Sendable {
    public var low: Int64
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}

/// How far a consumer group is behind on one partition.
public struct KafkaPartitionLag: Hashable, Sendable {
    public var partition: KafkaTopicPartition
    /// The group's committed offset (the next offset it will read), nil if it never committed.
    public var committed: Int64?
    public var watermarks: KafkaWatermarks

    /// Messages not yet covered by a commit. Without a commit, everything still stored counts.
    public var lag: Int64 { max(0, watermarks.high - (committed ?? watermarks.low)) }
}
