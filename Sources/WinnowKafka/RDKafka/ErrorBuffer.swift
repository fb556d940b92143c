extension String {
    /// The text librdkafka wrote into an error buffer (`errstr`, `errstr_size`): up to the first
    /// NUL, or the whole buffer if it has none. Invalid UTF-8 is repaired, never trusted.
    init(errorBuffer buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
