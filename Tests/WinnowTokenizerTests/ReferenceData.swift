import Foundation
import Testing
@testable import WinnowTokenizer
import WinnowJSON

/// The committed corpus, the expected results made by scripts/make-tokenizer-references.py,
/// and the tokenizers they were made with.
enum ReferenceData {
    /// Small tokenizers committed under References/tokenizers/ (scripts/build-test-tokenizers.py).
    static let committedTokenizers = [
        "affix-bpe", "gemma-bpe", "gemma-bpe-unk", "gpt2-bpe", "gpt2-template", "metaspace-bpe", "qwen-style",
        "split-variants",
    ]
    /// Large tokenizers built at test set-up under $WINNOW_TEST_DATA (scripts/fetch-test-tokenizers.sh).
    static let fetchedTokenizers = ["llama3", "qwen3"]

    static var referencesDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("References")
    }

    /// The corpus strings, read with the library's own JSON reader so every scalar is kept as written.
    static func corpus() throws -> [String] {
        let json = try TokenizerJSON.parse([UInt8](try Data(contentsOf: referencesDirectory.appendingPathComponent("corpus.json"))))
        return try #require(json.array).map { try #require($0.string) }
    }

    struct Case {
        let ids: [Int32]
        let idsWithSpecialTokens: [Int32]
        let tokens: [String]
        /// token_to_id of each token string: nil for a normalized added token, whose string is its normalized form.
        let tokenToIdOfTokens: [Int32?]
        let decoded: String
        let decodedSkipSpecial: String
        let singleIdDecodes: [String]
    }

    static func expectedCases(_ name: String) throws -> [Case] {
        let url = referencesDirectory.appendingPathComponent("expected-\(name).json")
        let json = try TokenizerJSON.parse([UInt8](try Data(contentsOf: url)))
        func ids(_ value: JSONValue?) throws -> [Int32] { try #require(value?.array).map { Int32(try #require($0.int)) } }
        func strings(_ value: JSONValue?) throws -> [String] { try #require(value?.array).map { try #require($0.string) } }
        return try #require(json["cases"]?.array).map { c in
            Case(ids: try ids(c["ids"]), idsWithSpecialTokens: try ids(c["ids_with_special_tokens"]),
                 tokens: try strings(c["tokens"]),
                 tokenToIdOfTokens: try #require(c["token_to_id_of_tokens"]?.array).map { $0.int.map { Int32($0) } },
                 decoded: try #require(c["decoded"]?.string),
                 decodedSkipSpecial: try #require(c["decoded_skip_special"]?.string),
                 singleIdDecodes: try strings(c["single_id_decodes"]))
        }
    }

    /// Loads a tokenizer by reference name. The fetched ones need WINNOW_TEST_DATA; without it the
    /// test fails (it must never pass by skipping).
    static func tokenizer(_ name: String) throws -> Tokenizer {
        if committedTokenizers.contains(name) {
            return try Tokenizer(directory: referencesDirectory.appendingPathComponent("tokenizers/\(name)"))
        }
        guard let dataDir = ProcessInfo.processInfo.environment["WINNOW_TEST_DATA"], !dataDir.isEmpty else {
            throw MissingTestData(message: "WINNOW_TEST_DATA is not set: run `make test-data` (scripts/fetch-test-data.sh DEST) and export WINNOW_TEST_DATA=DEST to test the \(name) tokenizer")
        }
        let directory = URL(fileURLWithPath: dataDir).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer.json").path) else {
            throw MissingTestData(message: "\(directory.path)/tokenizer.json is missing: run scripts/fetch-test-data.sh \(dataDir)")
        }
        return try Tokenizer(directory: directory)
    }

    struct MissingTestData: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

/// Byte-exact string equality (Swift's `==` would accept canonically equivalent strings).
func sameScalars(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

/// A readable rendering of a string with its invisible characters escaped.
func visible(_ s: String) -> String {
    s.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
}
