/// Turns groups into forward passes of about `tokenBudget` rows, in order, without padding.
///
/// Whole groups are packed together while they fit. A group larger than the budget gets passes
/// of its own: its prefix and the first suffixes, then the remaining suffixes against the
/// cached prefix. A prefix or a single suffix longer than the budget still gets a pass (the
/// workspace is planned for the longest sequence allowed).
///
/// Results are numbered candidate by candidate, group after group.
struct PassPlanner {
    var tokenBudget: Int
    var padTokenID: Int?

    func plan(_ groups: [ScoringGroup]) -> [ForwardPass] {
        var passes: [ForwardPass] = []
        var pass = ForwardPass()
        var cacheUsed = 0
        var output = 0
        func flush() {
            if !pass.tokens.isEmpty { passes.append(pass) }
            pass = ForwardPass()
            cacheUsed = 0
        }
        for group in groups {
            let p = group.prefix.count
            if pass.tokenCount + group.computedTokens > tokenBudget { flush() }
            // Candidates whose scored token lies inside the prefix are read from the prefix
            // rows; the others need their suffix computed against the cached prefix.
            let scored = group.suffixes.map { scoredIndex(group.prefix + $0, padTokenID: padTokenID) }
            let needsSuffix = scored.map { $0 >= p }
            var slot: PrefixCache.Slot? = nil
            if p > 0 {
                let stores = needsSuffix.contains(true) ? PrefixCache.Slot(offset: cacheUsed, count: p) : nil
                let start = pass.append(group.prefix, firstPosition: 0, context: nil, stores: stores)
                if let stores { cacheUsed += stores.count }
                slot = stores
                for (i, index) in scored.enumerated() where !needsSuffix[i] {
                    pass.scored.append((start + index, output + i))
                }
            }
            for (i, suffix) in group.suffixes.enumerated() where needsSuffix[i] {
                if pass.tokenCount > 0 && pass.tokenCount + suffix.count > tokenBudget {
                    // The group spills over: carry its prefix slot into a fresh pass.
                    passes.append(pass)
                    pass = ForwardPass()
                    cacheUsed = slot.map { $0.offset + $0.count } ?? 0
                }
                let start = pass.append(suffix, firstPosition: p, context: slot, stores: nil)
                pass.scored.append((start + scored[i] - p, output + i))
            }
            output += group.candidateCount
        }
        flush()
        return passes
    }
}
