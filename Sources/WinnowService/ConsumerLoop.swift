import WinnowKafka

/// The consumer thread's view of its partitions.
final class ConsumerLoop {
    var consumer: KafkaConsumer?
    var assigned: Set<KafkaTopicPartition> = []
    private(set) var paused = false

    func setPaused(_ paused: Bool) {
        self.paused = paused
        if paused { pause(Array(assigned)) } else { resume(Array(assigned)) }
    }

    func pause(_ partitions: [KafkaTopicPartition]) {
        guard !partitions.isEmpty else { return }
        try? consumer?.pause(partitions)
    }

    func resume(_ partitions: [KafkaTopicPartition]) {
        guard !partitions.isEmpty else { return }
        try? consumer?.resume(partitions)
    }
}
