/// How a consumer group hands out partitions, chosen by `partition.assignment.strategy`.
public enum KafkaRebalanceProtocol: String, Sendable {
    /// `range`, `roundrobin`: every rebalance revokes the whole assignment, then assigns anew.
    case eager = "EAGER"
    /// `cooperative-sticky`: a rebalance only adds or removes the partitions that move.
    case cooperative = "COOPERATIVE"
}

/// A change of a consumer's partitions, reported from inside `KafkaConsumer.poll` (or `close`).
///
/// The consumer has already applied an assignment when `.assigned` is reported, and applies a
/// revocation right *after* `.revoked` returns, so the handler can still commit offsets for the
/// partitions it is losing.
public enum KafkaRebalanceEvent: Sendable, Equatable {
    /// Partitions now owned. Eager: the whole new assignment. Cooperative: only the added ones.
    case assigned([KafkaTopicPartition], protocol: KafkaRebalanceProtocol)
    /// Partitions about to be given up. Eager: the whole assignment. Cooperative: only those
    /// that move. `lost`: the group already gave them to another member (session timed out), so
    /// committing offsets for them will fail and work in flight for them should be dropped.
    case revoked([KafkaTopicPartition], protocol: KafkaRebalanceProtocol, lost: Bool)
    /// The group reported an error, or applying the assignment failed; the consumer dropped its
    /// assignment and rejoins.
    case failed(KafkaError)
}
