import WinnowJSON

/// One entry of tokenizer.json's `added_tokens`.
public struct AddedToken: Sendable, Equatable {
    public let id: Int32
    public let content: String
    /// Only matched as a whole word (no word character on either side).
    public let singleWord: Bool
    /// Swallows the whitespace on its left.
    public let lstrip: Bool
    /// Swallows the whitespace on its right.
    public let rstrip: Bool
    /// Matched in the normalized text rather than the raw input.
    public let normalized: Bool
    /// A special token (dropped by `decode(_:skipSpecialTokens: true)`).
    public let special: Bool
}

/// A run of text between added tokens, or an added token already resolved to its id.
enum Segment {
    case text(Piece)
    case token(Int32)
}

/// Added tokens, matched in the text before the model sees it, exactly as tokenizers'
/// `AddedVocabulary` does: leftmost-longest over the raw input for tokens with
/// `normalized: false`, then over each normalized piece for the others; `single_word`,
/// `lstrip` and `rstrip` as in `AddedVocabulary::find_matches`.
struct AddedVocabulary: Sendable {
    /// By id; content is the original text.
    private(set) var tokensById: [Int32: AddedToken] = [:]
    /// Content -> id.
    private(set) var idsByContent: [ByteString: Int32] = [:]
    /// Normalized content of normalized tokens, where it differs (what decoding returns).
    private(set) var normalizedContent: [Int32: [UInt8]] = [:]
    private(set) var specialContents: Set<ByteString> = []
    private var rawTrie = TokenTrie()
    private var normalizedTrie = TokenTrie()

    /// Adds the JSON entries in order, assigning ids as `AddedVocabulary::add_tokens` does:
    /// an existing added token or model token keeps its id, a new one takes the next free id.
    init(json: [JSONValue], model: BPEModel, normalizer: (any Normalizer)?) throws {
        var parsed: [AddedToken] = []
        for (index, entry) in json.enumerated() {
            func flag(_ name: String, default value: Bool) throws -> Bool {
                guard let v = entry[name], !v.isNull else { return value }
                guard let b = v.bool else { throw TokenizerError.invalidField(path: "added_tokens[\(index)].\(name)", expected: "a boolean") }
                return b
            }
            guard let content = entry["content"]?.string else {
                throw TokenizerError.invalidField(path: "added_tokens[\(index)].content", expected: "a string")
            }
            guard let id = entry["id"]?.tokenId else {
                throw TokenizerError.invalidField(path: "added_tokens[\(index)].id", expected: "an integer id in 0...\(Int32.max)")
            }
            let special = try flag("special", default: false)
            parsed.append(AddedToken(id: id, content: content,
                                     singleWord: try flag("single_word", default: false),
                                     lstrip: try flag("lstrip", default: false), rstrip: try flag("rstrip", default: false),
                                     normalized: try flag("normalized", default: !special), special: special))
        }

        var nextId = Int32(model.vocabularySize)
        for token in parsed {
            let content = ByteString(token.content)
            if content.bytes.isEmpty { continue }
            let id: Int32
            if let existing = idsByContent[content] ?? model.tokenToId(content.bytes) {
                id = existing
            } else {
                id = nextId
                nextId += 1
            }
            // tokenizers ignores the id written in the file when it disagrees (it only warns).
            let resolved = AddedToken(id: id, content: token.content, singleWord: token.singleWord, lstrip: token.lstrip,
                                      rstrip: token.rstrip, normalized: token.normalized, special: token.special)
            if token.normalized, let normalizer {
                let normed = normalizer.normalize(content.bytes)
                if normed != content.bytes { normalizedContent[id] = normed }
            }
            idsByContent[content] = id
            if token.special { specialContents.insert(content) }
            tokensById[id] = resolved
        }
        for (id, token) in tokensById {
            if token.normalized {
                normalizedTrie.insert(normalizedContent[id] ?? Array(token.content.utf8), id: id)
            } else {
                rawTrie.insert(Array(token.content.utf8), id: id)
            }
        }
    }

    var isEmpty: Bool { tokensById.isEmpty }

    /// The text decoding shows for an added token id.
    func decodedContent(of id: Int32) -> [UInt8]? {
        guard let token = tokensById[id] else { return nil }
        return normalizedContent[id] ?? Array(token.content.utf8)
    }

    func isSpecial(content: [UInt8]) -> Bool { specialContents.contains(ByteString(content)) }

    /// Splits the input on added tokens and normalizes the text between them.
    func extractAndNormalize(_ text: [UInt8], atOriginalStart: Bool = true, normalizer: (any Normalizer)?) -> [Segment] {
        var segments: [Segment] = []
        let first = split(Piece(bytes: text, atOriginalStart: atOriginalStart), trie: rawTrie)
        for segment in first {
            guard case .text(var piece) = segment else { segments.append(segment); continue }
            if let normalizer { piece.bytes = normalizer.normalize(piece.bytes) }
            segments += split(piece, trie: normalizedTrie)
        }
        return segments
    }

    /// `split_with_indices` + `find_matches`; empty text pieces are dropped.
    private func split(_ piece: Piece, trie: TokenTrie) -> [Segment] {
        let text = piece.bytes
        if text.isEmpty { return [] }
        if trie.isEmpty { return [.text(piece)] }
        var segments: [Segment] = []
        var startOffset = 0
        func addText(_ range: Range<Int>) {
            if range.isEmpty { return }
            segments.append(.text(Piece(bytes: Array(text[range]), atOriginalStart: piece.atOriginalStart && range.lowerBound == 0)))
        }
        for match in trie.leftmostLongestMatches(in: text) {
            var start = match.range.lowerBound
            var stop = match.range.upperBound
            guard let token = tokensById[match.id] else { continue }
            if token.singleWord {
                let startSpace = start == 0 || !endsWithWord(text, before: start)
                let stopSpace = stop == text.count || !startsWithWord(text, at: stop)
                if !startSpace || !stopSpace { continue }
            }
            if token.lstrip {
                start = max(leadingEdgeOfTrailingWhitespace(text, before: start), startOffset)
            }
            if token.rstrip {
                stop = trailingEdgeOfLeadingWhitespace(text, from: stop)
            }
            if startOffset < start { addText(startOffset..<start) }
            segments.append(.token(match.id))
            startOffset = stop
        }
        if startOffset != text.count { addText(startOffset..<text.count) }
        return segments
    }

    /// The largest byte offset `cut` of `text` (0 when there is none) such that every text that
    /// shares its first `sharedLength` bytes is cut out into the same added tokens and text
    /// pieces before `cut` as `text[..<cut]` alone, and after it as `text[cut...]` alone
    /// (starting a piece that is not at the input's start): the end of a raw added token
    /// (matched before normalization), where neither BPE nor a pre-tokenizer can merge across.
    ///
    /// Conservative where the matcher looks beyond a match: the token must end at least the
    /// longest token's length before `sharedLength` (leftmost-longest matching reads that far
    /// ahead), must not swallow the whitespace after it (`rstrip`), must not be `single_word`,
    /// and when a raw token is `single_word` the cut must not follow a word character (a match at
    /// the start of the second part would skip that check).
    func lastSafeCut(in text: [UInt8], sharedLength: Int) -> Int {
        let limit = sharedLength - rawTrie.maxLength
        guard !rawTrie.isEmpty, limit > 0 else { return 0 }
        var cut = 0
        for match in rawTrie.leftmostLongestMatches(in: Array(text[..<sharedLength])) {
            let end = match.range.upperBound
            if end > limit { break }
            guard let token = tokensById[match.id], !token.rstrip, !token.singleWord else { continue }
            if hasRawSingleWordToken && endsWithWord(text, before: end) { continue }
            cut = end
        }
        return cut
    }

    /// Whether a raw (not normalized) added token is `single_word`.
    private var hasRawSingleWordToken: Bool {
        tokensById.values.contains { !$0.normalized && $0.singleWord }
    }

    // The boundary checks look only at the scalars next to the match: O(1) per match, not O(text).

    /// The scalar that ends just before byte `end` (valid UTF-8 assumed).
    private func scalar(endingAt end: Int, in text: [UInt8]) -> (value: UInt32, start: Int)? {
        guard end > 0 else { return nil }
        var start = end - 1
        while start > 0 && text[start] & 0xC0 == 0x80 { start -= 1 }
        return (scalarValue(text, at: start, length: end - start), start)
    }

    private func isWord(_ value: UInt32) -> Bool {
        Unicode.Scalar(value).map(UnicodeClasses.isRegexWord) ?? false
    }

    /// `\w$` on `text[..<end]`.
    private func endsWithWord(_ text: [UInt8], before end: Int) -> Bool {
        scalar(endingAt: end, in: text).map { isWord($0.value) } ?? false
    }

    /// `^\w` on `text[start...]`.
    private func startsWithWord(_ text: [UInt8], at start: Int) -> Bool {
        guard start < text.count else { return false }
        return isWord(scalarValue(text, at: start, length: utf8Length(lead: text[start])))
    }

    /// Where `\s*$` starts in `text[..<end]`.
    private func leadingEdgeOfTrailingWhitespace(_ text: [UInt8], before end: Int) -> Int {
        var edge = end
        while let (value, start) = scalar(endingAt: edge, in: text), UnicodeClasses.of(value).contains(.whitespace) {
            edge = start
        }
        return edge
    }

    /// Where `^\s*` ends in `text[from...]`, as an offset into `text`.
    private func trailingEdgeOfLeadingWhitespace(_ text: [UInt8], from: Int) -> Int {
        var i = from
        while i < text.count {
            let length = utf8Length(lead: text[i])
            guard UnicodeClasses.of(scalarValue(text, at: i, length: length)).contains(.whitespace) else { break }
            i += length
        }
        return i
    }
}

/// A byte trie of added-token contents, searched leftmost-longest (daachorse's `LeftmostLongest`).
struct TokenTrie: Sendable {
    private var children: [Int: Int] = [:]   // node << 8 | byte -> node
    private var terminal: [Int: Int32] = [:] // node -> token id
    private var nodeCount = 1
    private var firstBytes = [Bool](repeating: false, count: 256)
    /// Bytes of the longest token: how far a match can read ahead of where it starts.
    private(set) var maxLength = 0

    var isEmpty: Bool { terminal.isEmpty }

    mutating func insert(_ bytes: [UInt8], id: Int32) {
        guard let first = bytes.first else { return }
        firstBytes[Int(first)] = true
        maxLength = max(maxLength, bytes.count)
        var node = 0
        for b in bytes {
            let key = node << 8 | Int(b)
            if let next = children[key] {
                node = next
            } else {
                children[key] = nodeCount
                node = nodeCount
                nodeCount += 1
            }
        }
        terminal[node] = id
    }

    /// Non-overlapping matches, each the longest one at the leftmost position where any matches.
    func leftmostLongestMatches(in text: [UInt8]) -> [(range: Range<Int>, id: Int32)] {
        var out: [(range: Range<Int>, id: Int32)] = []
        var i = 0
        while i < text.count {
            guard firstBytes[Int(text[i])] else { i += 1; continue }
            var node = 0
            var best: (end: Int, id: Int32)? = nil
            var j = i
            while j < text.count, let next = children[node << 8 | Int(text[j])] {
                node = next
                j += 1
                if let id = terminal[node] { best = (j, id) }
            }
            if let best {
                out.append((i..<best.end, best.id))
                i = best.end
            } else {
                i += 1
            }
        }
        return out
    }
}
