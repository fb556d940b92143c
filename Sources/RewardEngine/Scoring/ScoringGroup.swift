/// Candidates that share a prompt: each candidate's token ids are `prefix + suffixes[i]`.
/// The prefix is computed once per group and its keys and values are reused by every suffix.
public struct ScoringGroup: Sendable, Equatable {
    public var prefix: [Int32]
    public var suffixes: [[Int32]]

    public init(prefix: [Int32], suffixes: [[Int32]]) {
        self.prefix = prefix
        self.suffixes = suffixes
    }

    /// A group from complete token sequences: the shared prefix is their longest common prefix,
    /// so any chat template works. One sequence gets an empty prefix (nothing to share).
    public init(sequences: [[Int32]]) {
        guard sequences.count > 1 else {
            self.init(prefix: [], suffixes: sequences)
            return
        }
        var shared = sequences[0].count
        for s in sequences.dropFirst() {
            shared = min(shared, Self.commonPrefixLength(sequences[0], s, limit: shared))
        }
        self.init(prefix: Array(sequences[0][..<shared]), suffixes: sequences.map { Array($0[shared...]) })
    }

    public var candidateCount: Int { suffixes.count }

    /// Tokens a forward pass computes for this group (the prefix once).
    public var computedTokens: Int { prefix.count + suffixes.reduce(0) { $0 + $1.count } }

    /// Candidate `i` as one sequence.
    public func sequence(_ i: Int) -> [Int32] { prefix + suffixes[i] }

    static func commonPrefixLength(_ a: [Int32], _ b: [Int32], limit: Int) -> Int {
        var n = 0
        let limit = min(limit, a.count, b.count)
        while n < limit && a[n] == b[n] { n += 1 }
        return n
    }
}

/// Finds groups among independent sequences: sequences that share at least
/// `minimumSharedPrefix` leading tokens are scored as one group.
public enum PrefixGrouping {
    /// Groups of sequence indices (each group in input order, groups by first member).
    public static func groups(_ sequences: [[Int32]], minimumSharedPrefix: Int = 16) -> [[Int]] {
        // Sorting brings sequences with long common prefixes next to each other.
        let order = sequences.indices.sorted { sequences[$0].lexicographicallyPrecedes(sequences[$1]) }
        var groups: [[Int]] = []
        var current: [Int] = []
        var shared = Int.max
        for index in order {
            if let last = current.last {
                let common = ScoringGroup.commonPrefixLength(sequences[last], sequences[index], limit: min(shared, Int.max))
                if common >= minimumSharedPrefix {
                    current.append(index)
                    shared = min(shared, common)
                    continue
                }
                groups.append(current.sorted())
            }
            current = [index]
            shared = Int.max
        }
        if !current.isEmpty { groups.append(current.sorted()) }
        return groups.sorted { $0[0] < $1[0] }
    }
}
