/// A piece of text between added tokens, and later a pre-token, as UTF-8.
struct Piece {
    var bytes: [UInt8]
    /// Whether the piece starts at offset 0 of the original input (Metaspace's "first" scheme).
    var atOriginalStart: Bool
}

/// A tokenizer.json pre-tokenizer: splits pieces into smaller pieces (never empty ones).
protocol PreTokenizer: Sendable {
    func preTokenize(_ pieces: [Piece]) -> [Piece]

    /// Calls `body` with each pre-token of `piece`, in order. The default goes through
    /// `preTokenize`; the byte-level pre-tokenizers stream through `scratch` without allocating.
    func forEachPreToken(of piece: Piece, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void)
}

extension PreTokenizer {
    func forEachPreToken(of piece: Piece, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        for p in preTokenize([piece]) { p.bytes.withUnsafeBufferPointer(body) }
    }
}

/// Splits each match of `matches` out of `text`, byte-level encodes it (with an optional leading
/// space) into `scratch` and hands it to `body`: the streaming form of Split(Isolated) + ByteLevel.
@inline(__always)
private func streamByteLevel(_ text: [UInt8], matches: [Range<Int>], addPrefixSpace: Bool,
                             scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    text.withUnsafeBufferPointer { buffer in
        // Isolated keeps the text between matches as pieces too.
        var previous = 0
        func emit(_ range: Range<Int>) {
            if range.isEmpty { return }
            scratch.removeAll(keepingCapacity: true)
            if addPrefixSpace && buffer[range.lowerBound] != 0x20 { ByteLevelAlphabet.append(0x20, to: &scratch) }
            for i in range { ByteLevelAlphabet.append(buffer[i], to: &scratch) }
            scratch.withUnsafeBufferPointer(body)
        }
        for m in matches {
            emit(previous..<m.lowerBound)
            emit(m)
            previous = m.upperBound
        }
        emit(previous..<buffer.count)
    }
}

/// How a split keeps the text a pattern matched (tokenizers' `SplitDelimiterBehavior`).
enum SplitBehavior: String {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"
}

/// Splits one piece at `matches`, as `NormalizedString::split` does, dropping empty results.
func split(_ piece: Piece, matches: [Range<Int>], behavior: SplitBehavior, invert: Bool) -> [Piece] {
    let length = piece.bytes.count
    // The whole text as alternating (range, isMatch) runs.
    var runs: [(range: Range<Int>, isMatch: Bool)] = []
    var previous = 0
    for m in matches {
        if previous != m.lowerBound { runs.append((previous..<m.lowerBound, false)) }
        runs.append((m, true))
        previous = m.upperBound
    }
    if previous != length || runs.isEmpty { runs.append((previous..<length, false)) }
    if invert { runs = runs.map { ($0.range, !$0.isMatch) } }

    var kept: [Range<Int>] = []
    switch behavior {
    case .isolated:
        kept = runs.map(\.range)
    case .removed:
        kept = runs.filter { !$0.isMatch }.map(\.range)
    case .contiguous:
        var previousMatch = false
        for run in runs {
            if run.isMatch == previousMatch, let last = kept.last {
                kept[kept.count - 1] = last.lowerBound..<run.range.upperBound
            } else {
                kept.append(run.range)
            }
            previousMatch = run.isMatch
        }
    case .mergedWithPrevious:
        var previousMatch = false
        for run in runs {
            if run.isMatch && !previousMatch, let last = kept.last {
                kept[kept.count - 1] = last.lowerBound..<run.range.upperBound
            } else {
                kept.append(run.range)
            }
            previousMatch = run.isMatch
        }
    case .mergedWithNext:
        var previousMatch = false
        for run in runs.reversed() {
            if run.isMatch && !previousMatch, let last = kept.last {
                kept[kept.count - 1] = run.range.lowerBound..<last.upperBound
            } else {
                kept.append(run.range)
            }
            previousMatch = run.isMatch
        }
        kept.reverse()
    }
    return kept.compactMap { range in
        range.isEmpty ? nil : Piece(bytes: Array(piece.bytes[range]),
                                    atOriginalStart: piece.atOriginalStart && range.lowerBound == 0)
    }
}

/// Byte-level: optional leading space, optional GPT-2 regex split, then bytes -> alphabet characters.
struct ByteLevelPreTokenizer: PreTokenizer {
    let addPrefixSpace: Bool
    let useRegex: Bool
    private let regex = GPT2Matcher()

    init(addPrefixSpace: Bool, useRegex: Bool) {
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
    }

    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        var out: [Piece] = []
        for var piece in pieces {
            if addPrefixSpace && piece.bytes.first != 0x20 { piece.bytes.insert(0x20, at: 0) }
            if useRegex {
                out += split(piece, matches: regex.matches(in: piece.bytes[...]), behavior: .isolated, invert: false)
            } else if !piece.bytes.isEmpty {
                out.append(piece)
            }
        }
        for i in out.indices { out[i].bytes = ByteLevelAlphabet.encode(out[i].bytes[...]) }
        return out
    }

    func forEachPreToken(of piece: Piece, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = piece.bytes
        if addPrefixSpace && text.first != 0x20 { text.insert(0x20, at: 0) }
        let matches = useRegex ? regex.matches(in: text[...]) : []
        streamByteLevel(text, matches: matches, addPrefixSpace: false, scratch: &scratch, body)
    }
}

/// `Sequence[Split(pattern, Isolated), ByteLevel(use_regex: false)]` (Llama-3, Qwen): the same
/// pre-tokens as the two steps, streamed.
struct SplitThenByteLevelPreTokenizer: PreTokenizer {
    let split: SplitPreTokenizer
    let byteLevel: ByteLevelPreTokenizer

    /// Fuses the two steps when `steps` is exactly that sequence.
    static func fused(_ steps: [any PreTokenizer]) -> SplitThenByteLevelPreTokenizer? {
        guard steps.count == 2, let split = steps[0] as? SplitPreTokenizer, split.behavior == .isolated, !split.invert,
              let byteLevel = steps[1] as? ByteLevelPreTokenizer, !byteLevel.useRegex else { return nil }
        return SplitThenByteLevelPreTokenizer(split: split, byteLevel: byteLevel)
    }

    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        byteLevel.preTokenize(split.preTokenize(pieces))
    }

    func forEachPreToken(of piece: Piece, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        streamByteLevel(piece.bytes, matches: split.matcher.matches(in: piece.bytes[...]),
                        addPrefixSpace: byteLevel.addPrefixSpace, scratch: &scratch, body)
    }
}

/// Splits on a regex or a literal string.
struct SplitPreTokenizer: PreTokenizer {
    let matcher: any SplitMatcher
    let behavior: SplitBehavior
    let invert: Bool

    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        pieces.flatMap { split($0, matches: matcher.matches(in: $0.bytes[...]), behavior: behavior, invert: invert) }
    }
}

/// SentencePiece-style: spaces become the replacement character (usually "▁"), which may be
/// prepended, and each word starts at a replacement character.
struct MetaspacePreTokenizer: PreTokenizer {
    enum PrependScheme: String { case always, never, first }
    let replacement: [UInt8]
    let prependScheme: PrependScheme
    let splitWords: Bool

    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        let space = LiteralMatcher(literal: [0x20])
        let marker = LiteralMatcher(literal: replacement)
        var out: [Piece] = []
        for var piece in pieces {
            piece.bytes = replaceMatches(in: piece.bytes, matcher: space, with: replacement)
            let startsWithReplacement = piece.bytes.starts(with: replacement)
            switch prependScheme {
            case .always where !startsWithReplacement:
                piece.bytes = replacement + piece.bytes
            case .first where !startsWithReplacement && piece.atOriginalStart:
                piece.bytes = replacement + piece.bytes
            default:
                break
            }
            if splitWords {
                out += split(piece, matches: marker.matches(in: piece.bytes[...]), behavior: .mergedWithNext, invert: false)
            } else if !piece.bytes.isEmpty {
                out.append(piece)
            }
        }
        return out
    }
}

/// Splits on White_Space and drops it.
struct WhitespaceSplitPreTokenizer: PreTokenizer {
    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        pieces.flatMap { piece in
            split(piece, matches: scalarRuns(piece.bytes) { UnicodeClasses.of($0).contains(.whitespace) },
                  behavior: .removed, invert: false)
        }
    }
}

/// Separates numbers (\p{N}) from the rest, one digit per piece or whole runs.
struct DigitsPreTokenizer: PreTokenizer {
    let individualDigits: Bool

    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        pieces.flatMap { piece in
            let isDigit: (UInt32) -> Bool = { UnicodeClasses.of($0).contains(.number) }
            let matches = individualDigits ? scalarRanges(piece.bytes, where: isDigit) : scalarRuns(piece.bytes, where: isDigit)
            return split(piece, matches: matches, behavior: individualDigits ? .isolated : .contiguous, invert: false)
        }
    }
}

/// Byte ranges of every scalar satisfying `test`, one range each.
func scalarRanges(_ bytes: [UInt8], where test: (UInt32) -> Bool) -> [Range<Int>] {
    let (scalars, offsets) = decodeScalars(bytes[...])
    return scalars.indices.filter { test(scalars[$0]) }.map { offsets[$0]..<offsets[$0 + 1] }
}

/// Byte ranges of maximal runs of scalars satisfying `test`.
func scalarRuns(_ bytes: [UInt8], where test: (UInt32) -> Bool) -> [Range<Int>] {
    let (scalars, offsets) = decodeScalars(bytes[...])
    var out: [Range<Int>] = []
    var i = 0
    while i < scalars.count {
        if test(scalars[i]) {
            var j = i + 1
            while j < scalars.count && test(scalars[j]) { j += 1 }
            out.append(offsets[i]..<offsets[j])
            i = j
        } else {
            i += 1
        }
    }
    return out
}

/// Applies pre-tokenizers in order.
struct SequencePreTokenizer: PreTokenizer {
    let preTokenizers: [any PreTokenizer]
    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        preTokenizers.reduce(pieces) { $1.preTokenize($0) }
    }
}
