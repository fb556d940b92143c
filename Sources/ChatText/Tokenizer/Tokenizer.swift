import Foundation
import WinnowJSON

/// A Hugging Face `tokenizer.json` tokenizer (BPE models: Llama-3, Qwen2/3, Gemma, GPT-2 style),
/// producing the same ids as the `tokenizers` library.
///
/// Encoding runs the library's pipeline: added tokens are cut out of the raw text first, the
/// rest is normalized, pre-tokenized and split into ids by the BPE model, then the
/// post-processor adds special tokens when asked. Thread-safe: encode from any number of
/// threads at once.
///
/// Supported (anything else is a load error, `TokenizerError.unsupported`):
/// - model `BPE` (vocab + merges as "a b" or [a, b]; ignore_merges, byte_fallback, unk_token,
///   fuse_unk, continuing_subword_prefix, end_of_word_suffix; not dropout);
/// - normalizers NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace, Sequence;
/// - pre-tokenizers ByteLevel, Split (String or Regex, every behavior, invert), Metaspace,
///   WhitespaceSplit, Digits, Sequence;
/// - decoders ByteLevel, ByteFallback, Fuse, Replace, Strip, Metaspace, Sequence;
/// - post-processors TemplateProcessing (single), BertProcessing, RobertaProcessing, ByteLevel, Sequence.
public final class Tokenizer: Sendable {
    private let model: BPEModel
    // Internal, not private: `encode(sharingPrefix:)` (SharedPrefixEncoding.swift) uses them.
    let addedVocabulary: AddedVocabulary
    private let normalizer: (any Normalizer)?
    private let preTokenizer: (any PreTokenizer)?
    let postProcessor: (any PostProcessor)?
    private let decoder: (any Decoder)?

    /// Number of ids: one past the largest id of the model or of an added token.
    public let vocabularySize: Int

    /// Loads `tokenizer.json` from a model directory.
    public convenience init(directory: URL) throws {
        let url = directory.appendingPathComponent("tokenizer.json")
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(tokenizerJSON: data)
    }

    /// Loads a tokenizer from the contents of a `tokenizer.json`.
    public init(tokenizerJSON data: Data) throws {
        let json = try TokenizerJSON.parse(data)
        guard json.object != nil else { throw TokenizerError.invalidField(path: "(root)", expected: "an object") }
        if let version = json["version"]?.string, version != "1.0" {
            throw TokenizerError.unsupported(component: "version", type: version)
        }
        guard let modelJSON = json["model"], modelJSON.object != nil else {
            throw TokenizerError.invalidField(path: "model", expected: "an object")
        }
        // tokenizers' BPE files often omit "type"; a model with vocab + merges is BPE.
        let modelType = modelJSON["type"]?.string ?? (modelJSON["merges"] != nil ? "BPE" : "(missing)")
        guard modelType == "BPE" else { throw TokenizerError.unsupported(component: "model", type: modelType) }
        model = try BPEModel(json: modelJSON)

        func component<T>(_ key: String, _ load: (JSONValue) throws -> T) throws -> T? {
            guard let value = json[key], !value.isNull else { return nil }
            return try load(value)
        }
        normalizer = try component("normalizer") { try loadNormalizer($0) }
        preTokenizer = try component("pre_tokenizer") { try loadPreTokenizer($0) }
        postProcessor = try component("post_processor") { try loadPostProcessor($0) }
        decoder = try component("decoder") { try loadDecoder($0) }

        let addedJSON = try component("added_tokens") { value -> [JSONValue] in
            guard let items = value.array else { throw TokenizerError.invalidField(path: "added_tokens", expected: "an array") }
            return items
        } ?? []
        addedVocabulary = try AddedVocabulary(json: addedJSON, model: model, normalizer: normalizer)
        let largestModelId = Int(model.tokens.keys.max() ?? -1)
        let largestAddedId = Int(addedVocabulary.tokensById.keys.max() ?? -1)
        vocabularySize = max(largestModelId, largestAddedId) + 1
    }

    // MARK: - Encoding

    /// The token ids of `text`. With `addSpecialTokens`, the post-processor's special tokens
    /// (e.g. Llama-3's `<|begin_of_text|>`) are added, as `tokenizer.encode(text).ids` does.
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        let bytes = Array(text.utf8)
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count / 3 + 4)
        appendIDs(of: bytes, atOriginalStart: true, to: &ids)
        return postProcessor?.process(ids, addSpecialTokens: addSpecialTokens) ?? ids
    }

    /// The ids of `bytes` before post-processing: added tokens cut out, the rest normalized,
    /// pre-tokenized and run through the model. `atOriginalStart` says whether `bytes` begin
    /// the input (Metaspace's "first" scheme prepends only there).
    func appendIDs(of bytes: [UInt8], atOriginalStart: Bool, to ids: inout [Int32]) {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        for segment in addedVocabulary.extractAndNormalize(bytes, atOriginalStart: atOriginalStart, normalizer: normalizer) {
            switch segment {
            case .token(let id):
                ids.append(id)
            case .text(let piece):
                if let preTokenizer {
                    preTokenizer.forEachPreToken(of: piece, scratch: &scratch) { model.tokenize($0, into: &ids) }
                } else {
                    piece.bytes.withUnsafeBufferPointer { model.tokenize($0, into: &ids) }
                }
            }
        }
    }

    // MARK: - Decoding

    /// The text of `ids`, as `tokenizer.decode(ids, skip_special_tokens:)` gives it.
    /// Unknown ids are skipped.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = addedVocabulary.decodedContent(of: id) ?? model.tokens[id] else { continue }
            if skipSpecialTokens && addedVocabulary.isSpecial(content: token) { continue }
            tokens.append(token)
        }
        guard let decoder else {
            return String(decoding: Array(tokens.joined(separator: [0x20])), as: UTF8.self)
        }
        return String(decoding: Array(decoder.decodeChain(tokens).joined()), as: UTF8.self)
    }

    // MARK: - Vocabulary

    /// The id of a token string (an added token's content or a model vocabulary entry), compared byte for byte.
    public func tokenToId(_ token: String) -> Int32? {
        let bytes = Array(token.utf8)
        return addedVocabulary.idsByContent[ByteString(bytes)] ?? model.tokenToId(bytes)
    }

    /// The token string of an id (for byte-level vocabularies, in the byte-level alphabet).
    public func idToToken(_ id: Int32) -> String? {
        guard let bytes = addedVocabulary.decodedContent(of: id) ?? model.tokens[id] else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The added tokens (`added_tokens` of tokenizer.json), by increasing id.
    public var addedTokens: [AddedToken] {
        addedVocabulary.tokensById.values.sorted { $0.id < $1.id }
    }

    /// The special added tokens, by increasing id.
    public var specialTokens: [AddedToken] { addedTokens.filter(\.special) }

    /// Whether `id` is a special added token.
    public func isSpecialToken(_ id: Int32) -> Bool { addedVocabulary.tokensById[id]?.special ?? false }

    /// The ids `encode(_, addSpecialTokens: true)` puts around an empty text (e.g. `[BOS]`).
    public var specialTokensAddedAroundText: [Int32] { encode("", addSpecialTokens: true) }
}
