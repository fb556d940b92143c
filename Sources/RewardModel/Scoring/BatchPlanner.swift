/// Splits sequences into forward passes of at most `tokenBudget` tokens, in input order.
/// A sequence longer than the budget gets a pass of its own (the workspace is planned for the
/// longest sequence allowed, so it always fits).
struct BatchPlanner {
    var tokenBudget: Int

    /// Index ranges into `lengths`, one per forward pass.
    func plan(lengths: [Int]) -> [Range<Int>] {
        var passes: [Range<Int>] = []
        var first = 0, tokens = 0
        for (i, length) in lengths.enumerated() {
            if i > first && tokens + length > tokenBudget {
                passes.append(first..<i)
                first = i
                tokens = 0
            }
            tokens += length
        }
        if first < lengths.count { passes.append(first..<lengths.count) }
        return passes
    }
}
