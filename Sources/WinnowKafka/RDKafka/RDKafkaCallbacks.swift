import CRdKafka

/// The Swift side of librdkafka's callbacks for one client.
///
/// Its address is the client's `opaque`; `RDKafkaClient` keeps it alive for as long as the
/// `rd_kafka_t` exists. The closures are set before the client is created and never change, so
/// reading them from librdkafka's threads needs no lock. They must not capture the client.
final class RDKafkaCallbacks: @unchecked Sendable {
    /// Served by `rd_kafka_poll`/`rd_kafka_flush` on the polling thread, once per produced message:
    /// the message's opaque (set by `produce`) and the broker's acknowledgement or the failure.
    var onDelivery: ((UnsafeMutableRawPointer?, Result<KafkaDeliveryReport, KafkaError>) -> Void)?
    /// Served by `rd_kafka_consumer_poll` (and `rd_kafka_consumer_close`) on the consumer's thread.
    var onRebalance: ((OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)?
    /// Client-level errors (broker down, fatal idempotence errors); served by `rd_kafka_poll`.
    var onError: ((OpaquePointer, rd_kafka_resp_err_t, String) -> Void)?

    /// Callbacks that pass client-level errors on as `KafkaError`s. With `resolvingFatal`, a
    /// `_FATAL` event is reported as the underlying fatal error (`rd_kafka_fatal_error`), marked
    /// fatal: what a producer's owner needs to tell a fenced producer from a lost broker.
    static func reportingErrors(to handler: (@Sendable (KafkaError) -> Void)?, resolvingFatal: Bool = false) -> RDKafkaCallbacks {
        let callbacks = RDKafkaCallbacks()
        if let handler {
            callbacks.onError = { handle, code, reason in
                if resolvingFatal && code == RD_KAFKA_RESP_ERR__FATAL {
                    var fatalMessage = [CChar](repeating: 0, count: 512)
                    let underlying = rd_kafka_fatal_error(handle, &fatalMessage, fatalMessage.count)
                    handler(KafkaError(kind: .client, code: KafkaError.Code(underlying),
                                       message: String(errorBuffer: fatalMessage), isFatal: true))
                } else {
                    handler(KafkaError(kind: .client, code: KafkaError.Code(code), message: reason))
                }
            }
        }
        return callbacks
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbacks? {
        guard let opaque else { return nil }
        return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// Installs the C trampolines for the closures that are set.
    func install(on config: RDKafkaConfig) {
        config.setOpaque(opaque)
        if onDelivery != nil {
            rd_kafka_conf_set_dr_msg_cb(config.pointer) { _, message, opaque in
                guard let message, let callbacks = RDKafkaCallbacks.from(opaque) else { return }
                let report = RDKafkaMessage.deliveryReport(message)
                let code = message.pointee.err
                callbacks.onDelivery?(message.pointee._private, code == RD_KAFKA_RESP_ERR_NO_ERROR
                    ? .success(report) : .failure(KafkaError(delivery: code, topicPartition: report.topicPartition)))
            }
        }
        if onRebalance != nil {
            rd_kafka_conf_set_rebalance_cb(config.pointer) { handle, error, partitions, opaque in
                guard let handle, let partitions, let callbacks = RDKafkaCallbacks.from(opaque) else { return }
                callbacks.onRebalance?(handle, error, partitions)
            }
        }
        if onError != nil {
            rd_kafka_conf_set_error_cb(config.pointer) { handle, code, reason, opaque in
                guard let handle, let callbacks = RDKafkaCallbacks.from(opaque) else { return }
                callbacks.onError?(handle, rd_kafka_resp_err_t(rawValue: code), reason.map { String(cString: $0) } ?? "")
            }
        }
    }
}
