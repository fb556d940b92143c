import WinnowJSON

/// tokenizer.json through the shared byte-exact reader, with the tokenizer's own rules on top.
enum TokenizerJSON {
    /// serde_json (which wrote the file and which tokenizers reads it with) refuses `1e999`, and
    /// no tokenizer field means infinity, so this reader does too.
    private static let reader = JSONReader(nonFiniteNumbers: .reject)

    /// Parses tokenizer.json. Throws `TokenizerError.invalidJSON` naming the byte on error.
    static func parse(_ bytes: some Collection<UInt8>) throws(TokenizerError) -> JSONValue {
        do {
            return try reader.read(bytes)
        } catch {
            throw .invalidJSON("\(error.message) at byte \(error.offset)")
        }
    }
}

extension JSONValue {
    /// A token id: a whole number in 0...Int32.max (ids are stored as Int32), else nil.
    var tokenId: Int32? { int.flatMap { $0 >= 0 ? Int32(exactly: $0) : nil } }
}
