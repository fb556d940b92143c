/// UTF-8 bytes as a dictionary key: compared byte for byte (Swift `String` would compare by
/// canonical equivalence, merging distinct vocabulary entries) and hashed in one call.
struct ByteString: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { self.bytes = Array(bytes) }
    init(_ string: String) { self.bytes = Array(string.utf8) }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: ByteString, b: ByteString) -> Bool { a.bytes == b.bytes }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
