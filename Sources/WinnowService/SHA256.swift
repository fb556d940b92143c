import COpenSSLCrypto

/// SHA-256, for the digest a compact dead letter keeps of the record it truncates: OpenSSL's
/// libcrypto, which the process already loads for librdkafka's TLS.
enum SHA256 {
    /// The digest of `bytes` as 64 lowercase hex digits.
    static func hex(_ bytes: [UInt8]) -> String {
        digest(bytes).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { input in
            _ = COpenSSLCrypto.SHA256(input.baseAddress, input.count, &out)
        }
        return out
    }
}
