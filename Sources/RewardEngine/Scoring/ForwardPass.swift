/// One forward pass: segments of tokens laid end to end as one `[tokens x hidden]` matrix,
/// with no padding. Every GEMM runs over all rows at once; attention runs per segment.
///
/// A segment is a whole sequence, a shared prefix, or a candidate's suffix. A prefix stores
/// its keys and values in the prefix cache; a suffix attends to them as its context, with its
/// own positions starting where the prefix ends.
struct ForwardPass {
    struct Segment {
        /// First row of the segment in the packed matrix.
        var start: Int
        var length: Int
        /// Cached keys/values of a prefix this segment continues, or nil.
        var context: PrefixCache.Slot?
        /// Where to store this segment's keys/values for later segments, or nil.
        var stores: PrefixCache.Slot?
    }

    var tokens: [Int32] = []
    /// Position of each token in its full sequence (a suffix continues after its prefix).
    var positions: [Int32] = []
    var segments: [Segment] = []
    /// Rows whose final hidden state is scored, and the result slot each one fills.
    var scored: [(row: Int, output: Int)] = []

    var tokenCount: Int { tokens.count }

    /// Appends a segment and returns its first row.
    @discardableResult
    mutating func append(_ ids: [Int32], firstPosition: Int, context: PrefixCache.Slot?, stores: PrefixCache.Slot?) -> Int {
        let start = tokens.count
        tokens.append(contentsOf: ids)
        positions.append(contentsOf: (0..<Int32(ids.count)).map { $0 + Int32(firstPosition) })
        segments.append(Segment(start: start, length: ids.count, context: context, stores: stores))
        return start
    }
}

/// transformers' `*ForSequenceClassification` scores the rightmost token that is not the pad
/// token (`(arange(n) * (ids != pad)).argmax()`, so 0 when every token is pad).
func scoredIndex(_ ids: [Int32], padTokenID: Int?) -> Int {
    guard let pad = padTokenID else { return ids.count - 1 }
    return ids.lastIndex(where: { Int($0) != pad }) ?? 0
}
