/// Sequences laid end to end as one `[tokens x hidden]` activation matrix, with no padding:
/// every GEMM runs over all tokens of the batch at once, attention runs per sequence.
struct PackedBatch {
    struct Sequence {
        /// First row of the sequence in the packed matrix.
        var start: Int
        var length: Int
        /// Row whose final hidden state is scored (transformers: the last non-pad token).
        var scoredRow: Int
    }

    var tokens: [Int32] = []
    /// Position of each token inside its own sequence (RoPE restarts at 0 per sequence).
    var positions: [Int32] = []
    var sequences: [Sequence] = []

    init(reservingCapacity capacity: Int) {
        tokens.reserveCapacity(capacity)
        positions.reserveCapacity(capacity)
    }

    mutating func append(_ ids: [Int32], padTokenID: Int?) {
        let start = tokens.count
        tokens.append(contentsOf: ids)
        positions.append(contentsOf: (0..<Int32(ids.count)))
        sequences.append(Sequence(start: start, length: ids.count,
                                  scoredRow: start + Self.scoredIndex(ids, padTokenID: padTokenID)))
    }

    /// transformers' `*ForSequenceClassification` scores the rightmost token that is not the
    /// pad token (`(arange(n) * (ids != pad)).argmax()`, so 0 when every token is pad).
    static func scoredIndex(_ ids: [Int32], padTokenID: Int?) -> Int {
        guard let pad = padTokenID else { return ids.count - 1 }
        return ids.lastIndex(where: { Int($0) != pad }) ?? 0
    }

    var tokenCount: Int { tokens.count }
}
