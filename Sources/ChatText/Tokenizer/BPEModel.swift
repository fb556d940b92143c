import Foundation
import WinnowJSON

/// The BPE model of tokenizer.json (`"type": "BPE"`), with the exact semantics of
/// tokenizers' `models::bpe`: ranked merges applied lowest rank first (leftmost on ties) with a
/// priority queue over a linked list of symbols, `ignore_merges`, `byte_fallback` (<0xNN>),
/// `unk_token` with `fuse_unk`, `continuing_subword_prefix` and `end_of_word_suffix`.
final class BPEModel: @unchecked Sendable {
    // Immutable after init, except `cache`, which `cacheLock` guards.
    private let vocab: ByteKeyTable
    /// Number of vocabulary entries (tokenizers' `get_vocab_size`, which decides the first added-token id).
    let vocabularySize: Int
    let tokens: [Int32: [UInt8]]
    private let merges: [UInt64: UInt64]          // (left id, right id) -> (rank << 32 | merged id)
    private let bmpScalarIds: [Int32]             // id of the one-scalar token for each BMP scalar, or -1
    private let astralScalarIds: [UInt32: Int32]  // the same above U+FFFF
    private let byteFallbackIds: [Int32]?         // <0x00>...<0xFF>, when all exist
    private let unkId: Int32?
    private let fuseUnk: Bool
    private let byteFallback: Bool
    private let ignoreMerges: Bool
    private let continuingSubwordPrefix: [UInt8]?
    private let endOfWordSuffix: [UInt8]?

    private let cacheLock = NSLock()
    // Word -> ids, the ids back to back in `cachedIds`: entry i is cachedIds[cacheStarts[i]...] (cacheCounts[i] ids).
    private var cache = ByteKeyTable(capacity: 4096)
    private var cachedIds: [Int32] = []
    private var cacheStarts: [Int32] = []
    private var cacheCounts: [Int32] = []
    private static let cacheCapacity = 100_000
    private static let cacheMaxWordBytes = 256

    init(json: JSONValue) throws {
        guard let vocabPairs = json["vocab"]?.object else {
            throw TokenizerError.invalidField(path: "model.vocab", expected: "an object of token -> id")
        }
        var vocab = ByteKeyTable(capacity: vocabPairs.count)
        var tokens: [Int32: [UInt8]] = [:]
        tokens.reserveCapacity(vocabPairs.count)
        for (key, value) in vocabPairs {
            guard let id = value.int, id >= 0, id <= Int(Int32.max) else {
                throw TokenizerError.invalidField(path: "model.vocab[\(key)]", expected: "a non-negative integer id")
            }
            let bytes = Array(key.utf8)
            vocab.insert(bytes, value: Int32(id))
            tokens[Int32(id)] = bytes
        }
        self.vocab = vocab
        self.vocabularySize = vocab.count
        self.tokens = tokens

        func optionalString(_ name: String) throws -> String? {
            guard let v = json[name], !v.isNull else { return nil }
            guard let s = v.string else { throw TokenizerError.invalidField(path: "model.\(name)", expected: "a string or null") }
            return s
        }
        func flag(_ name: String) throws -> Bool {
            guard let v = json[name], !v.isNull else { return false }
            guard let b = v.bool else { throw TokenizerError.invalidField(path: "model.\(name)", expected: "a boolean") }
            return b
        }
        fuseUnk = try flag("fuse_unk")
        byteFallback = try flag("byte_fallback")
        ignoreMerges = try flag("ignore_merges")
        // An empty prefix or suffix (Qwen's files say "") changes nothing: same as none, and keeps the fast path.
        continuingSubwordPrefix = try optionalString("continuing_subword_prefix").flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        endOfWordSuffix = try optionalString("end_of_word_suffix").flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        if let dropout = json["dropout"]?.double, dropout > 0 {
            // Dropout makes encoding random; a scorer must be deterministic.
            throw TokenizerError.unsupported(component: "model", type: "BPE with dropout \(dropout)")
        }
        if let unk = try optionalString("unk_token") {
            // Resolved lazily by tokenizers: an unk token missing from the vocabulary only fails when needed.
            unkId = vocab.find(Array(unk.utf8))
            if unkId == nil { throw TokenizerError.unknownTokenNotInVocabulary(unk) }
        } else {
            unkId = nil
        }

        // Merges: "a b" strings (split on the single space) or [a, b] pairs.
        guard let mergeValues = json["merges"]?.array else {
            throw TokenizerError.invalidField(path: "model.merges", expected: "an array")
        }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(mergeValues.count)
        for (index, value) in mergeValues.enumerated() {
            if let line = value.string {
                if line.hasPrefix("#version") { continue }
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw TokenizerError.invalidField(path: "model.merges[\(index)]", expected: "\"a b\" (two tokens)")
                }
                pairs.append((String(parts[0]), String(parts[1])))
            } else if let items = value.array, items.count == 2, let a = items[0].string, let b = items[1].string {
                pairs.append((a, b))
            } else {
                throw TokenizerError.invalidField(path: "model.merges[\(index)]", expected: "\"a b\" or [\"a\", \"b\"]")
            }
        }
        let prefixLength = continuingSubwordPrefix?.count ?? 0
        var merges: [UInt64: UInt64] = [:]
        merges.reserveCapacity(pairs.count)
        for (rank, (a, b)) in pairs.enumerated() {
            let aBytes = Array(a.utf8), bBytes = Array(b.utf8)
            guard let aId = vocab.find(aBytes) else { throw TokenizerError.mergeTokenNotInVocabulary(a) }
            guard let bId = vocab.find(bBytes) else { throw TokenizerError.mergeTokenNotInVocabulary(b) }
            let merged = aBytes + bBytes.dropFirst(min(prefixLength, bBytes.count))
            guard let newId = vocab.find(merged) else {
                throw TokenizerError.mergeTokenNotInVocabulary(String(decoding: merged, as: UTF8.self))
            }
            // A repeated pair keeps its last rank, as a Rust HashMap collected from the list does.
            merges[Self.pairKey(aId, bId)] = UInt64(rank) << 32 | UInt64(UInt32(newId))
        }
        self.merges = merges

        var bmp = [Int32](repeating: -1, count: 0x10000)
        var astral: [UInt32: Int32] = [:]
        for (id, bytes) in tokens where !bytes.isEmpty && utf8Length(lead: bytes[0]) == bytes.count {
            // Several ids may share a string only through a malformed file; the vocabulary table decides.
            guard let owner = vocab.find(bytes), owner == id else { continue }
            let value = scalarValue(bytes, at: 0, length: bytes.count)
            if value < 0x10000 { bmp[Int(value)] = id } else { astral[value] = id }
        }
        bmpScalarIds = bmp
        astralScalarIds = astral

        var fallback: [Int32] = []
        for b in 0..<256 {
            guard let id = vocab.find(Array(Self.byteTokenName(UInt8(b)).utf8)) else { break }
            fallback.append(id)
        }
        byteFallbackIds = fallback.count == 256 ? fallback : nil
        // Missing single byte tokens are looked up one by one below.
    }

    /// "<0x41>": Rust's `format!("<{b:#04X}>")`.
    static func byteTokenName(_ b: UInt8) -> String {
        let hex = String(b, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }

    @inline(__always) private static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    func tokenToId(_ token: [UInt8]) -> Int32? { vocab.find(token) }

    /// Appends the ids of one pre-token to `ids`.
    func tokenize(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        if word.isEmpty { return }
        if ignoreMerges, let id = vocab.find(word) {
            ids.append(id)
            return
        }
        cacheLock.lock()
        if let entry = cache.find(word) {
            let start = Int(cacheStarts[Int(entry)]), count = Int(cacheCounts[Int(entry)])
            ids.append(contentsOf: cachedIds[start..<(start + count)])
            cacheLock.unlock()
            return
        }
        cacheLock.unlock()
        let merged = mergeWord(word)
        ids.append(contentsOf: merged)
        if word.count < Self.cacheMaxWordBytes {
            cacheLock.lock()
            if cache.count < Self.cacheCapacity && cache.find(word) == nil {
                cache.insert(word, value: Int32(cacheStarts.count))
                cacheStarts.append(Int32(cachedIds.count))
                cacheCounts.append(Int32(merged.count))
                cachedIds.append(contentsOf: merged)
            }
            cacheLock.unlock()
        }
    }

    /// Token ids for one pre-token.
    func tokenize(_ word: [UInt8]) -> [Int32] {
        var ids: [Int32] = []
        word.withUnsafeBufferPointer { tokenize($0, into: &ids) }
        return ids
    }

    // MARK: - Merging

    private struct Symbol {
        var id: Int32
        var prev: Int
        var next: Int
        var length: Int  // 0 once merged into its left neighbour
    }

    /// A pending merge; the heap pops the lowest rank, then the leftmost position.
    private struct Candidate {
        let rank: UInt32
        let position: Int
        let newId: Int32
        @inline(__always) func precedes(_ other: Candidate) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    private func byteFallbackId(_ b: UInt8) -> Int32? {
        if let table = byteFallbackIds { return table[Int(b)] }
        return vocab.find(Array(Self.byteTokenName(b).utf8))
    }

    /// `BPE::merge_word`: initial symbols (one per scalar, with byte fallback and unk), then `Word::merge_all`.
    private func mergeWord(_ word: UnsafeBufferPointer<UInt8>) -> [Int32] {
        var symbols: [Symbol] = []
        symbols.reserveCapacity(word.count)
        var pendingUnk: (id: Int32, length: Int)? = nil
        func add(_ id: Int32, _ length: Int) {
            let index = symbols.count
            symbols.append(Symbol(id: id, prev: index - 1, next: index + 1, length: length))
        }
        var i = 0
        let simple = continuingSubwordPrefix == nil && endOfWordSuffix == nil
        while i < word.count {
            let length = utf8Length(lead: word[i])
            let end = min(i + length, word.count)
            var id: Int32?
            if simple {
                let value = scalarValue(word, at: i, length: end - i)
                if value < 0x10000 {
                    let found = bmpScalarIds[Int(value)]
                    id = found >= 0 ? found : nil
                } else {
                    id = astralScalarIds[value]
                }
            } else {
                var piece = Array(word[i..<end])
                if i > 0, let prefix = continuingSubwordPrefix { piece = prefix + piece }
                if end == word.count, let suffix = endOfWordSuffix { piece += suffix }
                id = vocab.find(piece)
            }
            if let id {
                if let unk = pendingUnk { add(unk.id, unk.length); pendingUnk = nil }
                add(id, end - i)
            } else {
                var handled = false
                if byteFallback {
                    var piece = Array(word[i..<end])
                    if !simple {
                        if i > 0, let prefix = continuingSubwordPrefix { piece = prefix + piece }
                        if end == word.count, let suffix = endOfWordSuffix { piece += suffix }
                    }
                    let ids = piece.map(byteFallbackId)
                    if ids.allSatisfy({ $0 != nil }) {
                        // As in tokenizers, a pending unk is not flushed here.
                        for id in ids { add(id!, 1) }
                        handled = true
                    }
                }
                if !handled, let unkId {
                    if let unk = pendingUnk {
                        if fuseUnk {
                            pendingUnk = (unk.id, unk.length + (end - i))
                        } else {
                            add(unk.id, unk.length)
                            pendingUnk = (unkId, end - i)
                        }
                    } else {
                        pendingUnk = (unkId, end - i)
                    }
                }
            }
            i = end
        }
        if let unk = pendingUnk { add(unk.id, unk.length) }
        if symbols.isEmpty { return [] }
        symbols[symbols.count - 1].next = -1
        mergeAll(&symbols)
        var ids: [Int32] = []
        ids.reserveCapacity(symbols.count)
        for s in symbols where s.length != 0 { ids.append(s.id) }
        return ids
    }

    @inline(__always) private func lookup(_ a: Int32, _ b: Int32) -> (rank: UInt32, newId: Int32)? {
        guard let v = merges[Self.pairKey(a, b)] else { return nil }
        return (UInt32(v >> 32), Int32(bitPattern: UInt32(truncatingIfNeeded: v)))
    }

    /// `Word::merge_all` without dropout.
    private func mergeAll(_ symbols: inout [Symbol]) {
        var heap: [Candidate] = []
        heap.reserveCapacity(symbols.count)
        for index in 0..<(symbols.count - 1) {
            if let m = lookup(symbols[index].id, symbols[index + 1].id) {
                push(&heap, Candidate(rank: m.rank, position: index, newId: m.newId))
            }
        }
        while let top = pop(&heap) {
            let pos = top.position
            if symbols[pos].length == 0 { continue }
            let nextPos = symbols[pos].next
            if nextPos == -1 { continue }
            let right = symbols[nextPos]
            // Skip stale entries: the pair at this position changed since it was queued.
            guard let current = lookup(symbols[pos].id, right.id), current.newId == top.newId else { continue }
            symbols[pos].id = top.newId
            symbols[pos].length += right.length
            symbols[pos].next = right.next
            symbols[nextPos].length = 0
            if right.next > -1 && right.next < symbols.count { symbols[right.next].prev = pos }
            let prev = symbols[pos].prev
            if prev >= 0, let m = lookup(symbols[prev].id, symbols[pos].id) {
                push(&heap, Candidate(rank: m.rank, position: prev, newId: m.newId))
            }
            let next = symbols[pos].next
            if next >= 0 && next < symbols.count, let m = lookup(symbols[pos].id, symbols[next].id) {
                push(&heap, Candidate(rank: m.rank, position: pos, newId: m.newId))
            }
        }
    }

    private func push(_ heap: inout [Candidate], _ item: Candidate) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[child].precedes(heap[parent]) { heap.swapAt(child, parent); child = parent } else { break }
        }
    }

    private func pop(_ heap: inout [Candidate]) -> Candidate? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < heap.count && heap[left].precedes(heap[best]) { best = left }
            if right < heap.count && heap[right].precedes(heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return first
    }
}
