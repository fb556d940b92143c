import CRdKafka

/// The admin half of librdkafka, for `KafkaAdmin`.
extension RDKafkaClient {
    /// `rd_kafka_CreateTopics`, waiting for the broker's answer; with `ifNotExists`, topics that
    /// already exist are not an error.
    func createTopics(_ topics: [KafkaNewTopic], ifNotExists: Bool, timeout: Duration) throws {
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            var message = [CChar](repeating: 0, count: 512)
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor,
                                                       &message, message.count) else {
                throw KafkaError(kind: .admin, code: .invalidArgument, message: "\(topic.name): \(String(errorBuffer: message))")
            }
            newTopics.append(newTopic)
            for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                try check(rd_kafka_NewTopic_set_config(newTopic, key, value), kind: .admin)
            }
        }

        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var message = [CChar](repeating: 0, count: 512)
        try check(rd_kafka_AdminOptions_set_request_timeout(options, timeout.rdKafkaMilliseconds, &message, message.count),
                         kind: .admin)
        try check(rd_kafka_AdminOptions_set_operation_timeout(options, timeout.rdKafkaMilliseconds, &message, message.count),
                         kind: .admin)

        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        // Leave room beyond the request timeout so librdkafka's own timeout error arrives first.
        guard let event = rd_kafka_queue_poll(queue, (timeout + .seconds(5)).rdKafkaMilliseconds) else {
            throw KafkaError(kind: .admin, code: .timedOut, message: "CreateTopics got no answer in time")
        }
        defer { rd_kafka_event_destroy(event) }
        let code = rd_kafka_event_error(event)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw error(code, kind: .admin, detail: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(kind: .admin, code: .state, message: "CreateTopics returned an unexpected event")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let topicResult = results[index]
            let topicCode = rd_kafka_topic_result_error(topicResult)
            if topicCode == RD_KAFKA_RESP_ERR_NO_ERROR { continue }
            if ifNotExists && topicCode == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let name = rd_kafka_topic_result_name(topicResult).map { String(cString: $0) } ?? "?"
            let reason = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                ?? String(cString: rd_kafka_err2str(topicCode))
            throw KafkaError(kind: .admin, code: KafkaError.Code(topicCode), message: "\(name): \(reason)")
        }
    }
}
