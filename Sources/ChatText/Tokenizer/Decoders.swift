/// A tokenizer.json decoder: turns token strings (UTF-8) back into text, step by step
/// (`Decoder::decode_chain`); the final text is the concatenation of what the chain returns.
protocol Decoder: Sendable {
    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]]
}

/// Replaces invalid UTF-8 with U+FFFD per maximal invalid subpart, like Rust's `String::from_utf8_lossy`.
func repairUTF8(_ bytes: [UInt8]) -> [UInt8] {
    Array(String(decoding: bytes, as: UTF8.self).utf8)
}

/// Byte-level: alphabet characters back to bytes; a token with any other character keeps its UTF-8.
struct ByteLevelDecoder: Decoder {
    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        var bytes: [UInt8] = []
        for token in tokens {
            let (scalars, _) = decodeScalars(token[...])
            var mapped: [UInt8] = []
            mapped.reserveCapacity(scalars.count)
            var allMapped = true
            for s in scalars {
                guard let b = ByteLevelAlphabet.byte(ofScalar: s) else { allMapped = false; break }
                mapped.append(b)
            }
            bytes += allMapped ? mapped : token
        }
        return [repairUTF8(bytes)]
    }
}

/// `<0xNN>` tokens back to bytes; runs that are not valid UTF-8 become one U+FFFD per byte.
struct ByteFallbackDecoder: Decoder {
    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var pending: [UInt8] = []
        func flush() {
            if pending.isEmpty { return }
            if isValidUTF8(pending) {
                out.append(pending)
            } else {
                for _ in pending { out.append(Array("\u{FFFD}".utf8)) }
            }
            pending.removeAll()
        }
        for token in tokens {
            if let byte = Self.byteValue(token) {
                pending.append(byte)
            } else {
                flush()
                out.append(token)
            }
        }
        flush()
        return out
    }

    /// The byte of a `<0xNN>` token: six bytes, "<0x" + two hex digits (Rust's `u8::from_str_radix`,
    /// which also takes a leading "+") + ">".
    static func byteValue(_ token: [UInt8]) -> UInt8? {
        guard token.count == 6, token[0] == 0x3C, token[1] == 0x30, token[2] == 0x78, token[5] == 0x3E else { return nil }
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        if token[3] == 0x2B { return hex(token[4]) }
        guard let hi = hex(token[3]), let lo = hex(token[4]) else { return nil }
        return hi << 4 | lo
    }
}

/// Whether `bytes` is well-formed UTF-8.
func isValidUTF8(_ bytes: [UInt8]) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

/// Concatenates all tokens into one.
struct FuseDecoder: Decoder {
    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] { [tokens.flatMap { $0 }] }
}

/// Replaces a pattern in every token.
struct ReplaceDecoder: Decoder {
    let matcher: any SplitMatcher
    let content: [UInt8]
    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        tokens.map { replaceMatches(in: $0, matcher: matcher, with: content) }
    }
}

/// Removes up to `start` leading and `stop` trailing copies of one character from every token.
struct StripDecoder: Decoder {
    let content: UInt32
    let start: Int
    let stop: Int

    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        tokens.map { token in
            let (scalars, offsets) = decodeScalars(token[...])
            var startCut = 0
            while startCut < min(start, scalars.count), scalars[startCut] == content { startCut += 1 }
            var stopCut = 0
            while stopCut < min(stop, scalars.count), scalars[scalars.count - 1 - stopCut] == content { stopCut += 1 }
            // tokenizers takes `token.len() - start_cut - stop_cut` characters, with len() in *bytes*:
            // with multi-byte characters in the token the trailing cut does not happen. Kept as is.
            let take = token.count - startCut - stopCut
            let end = take < 0 ? scalars.count : min(scalars.count, startCut + take)
            return Array(token[offsets[startCut]..<offsets[end]])
        }
    }
}

/// SentencePiece's metaspace: the replacement character becomes a space, except in the first
/// token when a prefix was prepended (there it is dropped).
struct MetaspaceDecoder: Decoder {
    let replacement: UInt32
    let prependScheme: MetaspacePreTokenizer.PrependScheme

    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        tokens.enumerated().map { index, token in
            let (scalars, _) = decodeScalars(token[...])
            var out: [UInt8] = []
            for s in scalars {
                if s == replacement {
                    if index == 0 && prependScheme != .never { continue }
                    out.append(0x20)
                } else {
                    appendUTF8(s, to: &out)
                }
            }
            return out
        }
    }
}

/// Applies decoders in order.
struct SequenceDecoder: Decoder {
    let decoders: [any Decoder]
    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        decoders.reduce(tokens) { $1.decodeChain($0) }
    }
}
