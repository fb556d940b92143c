import CRdKafka

/// Owns an `rd_kafka_conf_t` until `rd_kafka_new` adopts it.
///
/// librdkafka takes ownership of a conf object only when `rd_kafka_new` succeeds; on failure the
/// caller still owns it. `adopted()` records the hand-over so `deinit` frees the object exactly once.
final class RDKafkaConfig {
    private(set) var pointer: OpaquePointer?

    /// Applies every property with `rd_kafka_conf_set`, in key order, unchanged.
    init(_ configuration: KafkaConfiguration) throws {
        pointer = rd_kafka_conf_new()
        for (key, value) in configuration.properties.sorted(by: { $0.key < $1.key }) {
            try set(key, value)
        }
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    func set(_ key: String, _ value: String) throws {
        var message = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, key, value, &message, message.count)
        switch result {
        case RD_KAFKA_CONF_OK:
            return
        case RD_KAFKA_CONF_UNKNOWN:
            throw KafkaError(kind: .unknownProperty(key), code: .invalidArgument,
                             message: String(errorBuffer: message))
        default:
            throw KafkaError(kind: .invalidProperty(key), code: .invalidArgument,
                             message: String(errorBuffer: message))
        }
    }

    /// Registers the object whose address librdkafka passes back to every callback.
    func setOpaque(_ opaque: UnsafeMutableRawPointer) {
        rd_kafka_conf_set_opaque(pointer, opaque)
    }

    /// Called after `rd_kafka_new` succeeded: the client owns and frees the conf from now on.
    func adopted() {
        pointer = nil
    }
}
