/// Encoding many texts that begin alike (one prompt rendered with each candidate response)
/// without tokenizing what they share again for every one of them.
extension Tokenizer {
    /// The ids of each of `texts`, exactly as `encode(_:addSpecialTokens:)` gives them, with the
    /// prefix all of them share tokenized once.
    ///
    /// Tokenization is not additive in general (BPE merges and pre-tokenizer splits look across
    /// any place one would cut), so the shared part is cut only at the end of an added token
    /// matched in the raw text (`AddedVocabulary.lastSafeCut`): there the pipeline itself splits
    /// the input and treats the two sides independently, so the ids of the whole are the ids of
    /// the part before followed by those of the part after. Texts with no such boundary in
    /// common are encoded whole.
    public func encode(sharingPrefix texts: [String], addSpecialTokens: Bool) -> [[Int32]] {
        guard texts.count > 1 else { return texts.map { encode($0, addSpecialTokens: addSpecialTokens) } }
        let bytes = texts.map { Array($0.utf8) }
        let cut = addedVocabulary.lastSafeCut(in: bytes[0], sharedLength: Self.commonPrefixLength(bytes))
        guard cut > 0 else { return texts.map { encode($0, addSpecialTokens: addSpecialTokens) } }
        var prefix: [Int32] = []
        appendIDs(of: Array(bytes[0][..<cut]), atOriginalStart: true, to: &prefix)
        return bytes.map { text in
            var ids = prefix
            appendIDs(of: Array(text[cut...]), atOriginalStart: false, to: &ids)
            return postProcessor?.process(ids, addSpecialTokens: addSpecialTokens) ?? ids
        }
    }

    /// Bytes every text begins with.
    static func commonPrefixLength(_ texts: [[UInt8]]) -> Int {
        var length = texts.map(\.count).min() ?? 0
        let first = texts[0]
        for text in texts.dropFirst() where length > 0 {
            var same = 0
            first.withUnsafeBufferPointer { a in
                text.withUnsafeBufferPointer { b in
                    while same < length && a[same] == b[same] { same += 1 }
                }
            }
            length = same
        }
        return length
    }
}
