import CRdKafka

/// Copies what a borrowed `rd_kafka_message_t` holds into Swift values. The caller keeps ownership
/// of the message (consumer messages are destroyed by `KafkaConsumer.poll`, delivery reports by
/// librdkafka after the callback returns).
enum RDKafkaMessage {
    static func topic(_ message: UnsafePointer<rd_kafka_message_t>) -> String {
        guard let topic = message.pointee.rkt, let name = rd_kafka_topic_name(topic) else { return "" }
        return String(cString: name)
    }

    static func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    static func timestamp(_ message: UnsafePointer<rd_kafka_message_t>) -> KafkaTimestamp? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &type)
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME:
            return KafkaTimestamp(kind: .createTime, millisecondsSinceEpoch: milliseconds)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
            return KafkaTimestamp(kind: .logAppendTime, millisecondsSinceEpoch: milliseconds)
        default:
            return nil
        }
    }

    static func headers(_ message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else {
            return []
        }
        var result: [KafkaHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else {
                break
            }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    static func consumed(_ message: UnsafePointer<rd_kafka_message_t>) -> KafkaMessage {
        let m = message.pointee
        return KafkaMessage(topic: topic(message), partition: m.partition, offset: m.offset,
                            key: bytes(m.key, m.key_len), value: bytes(m.payload, m.len),
                            headers: headers(message), timestamp: timestamp(message))
    }

    static func deliveryReport(_ message: UnsafePointer<rd_kafka_message_t>) -> KafkaDeliveryReport {
        KafkaDeliveryReport(topic: topic(message), partition: message.pointee.partition,
                            offset: message.pointee.offset, timestamp: timestamp(message))
    }

    /// librdkafka's description of a consumer error event (not valid for delivery reports, whose
    /// payload is the record itself: describe those by their error code).
    static func consumerErrorString(_ message: UnsafePointer<rd_kafka_message_t>) -> String {
        if let text = rd_kafka_message_errstr(message) { return String(cString: text) }
        return String(cString: rd_kafka_err2str(message.pointee.err))
    }
}
