import CRdKafka

extension RDKafkaClient {
    /// Enqueues one record with `rd_kafka_produceva`, copying key, value and headers
    /// (`RD_KAFKA_MSG_F_COPY`), so the Swift buffers only need to live for this call.
    /// `opaque` comes back in the message's delivery report (`_private`).
    func produce(_ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer?) throws {
        let headers = Self.makeHeaders(message.headers)
        var handedOver = false
        // On success librdkafka owns the headers object; on failure it is still ours.
        defer { if let headers, !handedOver { rd_kafka_headers_destroy(headers) } }

        let error: OpaquePointer? = message.topic.withCString { topic in
            Self.withBytes(message.key) { key, keyCount in
                Self.withBytes(message.value) { value, valueCount in
                    var values: [rd_kafka_vu_t] = []
                    func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                        var entry = rd_kafka_vu_t()
                        entry.vtype = type
                        fill(&entry)
                        values.append(entry)
                    }
                    add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topic }
                    add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = message.partition ?? -1 /* RD_KAFKA_PARTITION_UA */ }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = 0x2 /* RD_KAFKA_MSG_F_COPY */ }
                    add(RD_KAFKA_VTYPE_KEY) { $0.u.mem.ptr = key; $0.u.mem.size = keyCount }
                    add(RD_KAFKA_VTYPE_VALUE) { $0.u.mem.ptr = value; $0.u.mem.size = valueCount }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                    return rd_kafka_produceva(handle, values, values.count)
                }
            }
        }
        if let error { throw KafkaError(consuming: error, kind: .delivery) }
        handedOver = true
    }

    private static func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
        for header in headers {
            withBytes(header.value) { value, count in
                // rd_kafka_header_add copies name and value; size -1 would mean strlen, so pass it.
                _ = rd_kafka_header_add(list, header.key, -1, value, count)
            }
        }
        return list
    }

    /// A null pointer for nil (a null key or value), a valid pointer for empty bytes: Kafka tells
    /// null and empty apart.
    private static func withBytes<Result>(_ bytes: [UInt8]?,
                                          _ body: (UnsafeMutableRawPointer?, Int) -> Result) -> Result {
        guard var bytes else { return body(nil, 0) }
        if bytes.isEmpty {
            var placeholder: UInt8 = 0
            return withUnsafeMutableBytes(of: &placeholder) { body($0.baseAddress, 0) }
        }
        return bytes.withUnsafeMutableBytes { body($0.baseAddress, $0.count) }
    }
}
