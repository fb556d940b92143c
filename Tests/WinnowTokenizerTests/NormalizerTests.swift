import Foundation
import Testing
@testable import WinnowTokenizer
import WinnowJSON

/// Each normalizer alone against tokenizers' own normalizers (References/normalizers.json):
/// composition, canonical reordering, compatibility mappings, astral starters, and scalars newer
/// than the Unicode 9.0 tables tokenizers normalizes with.
@Suite("Normalizers")
struct NormalizerTests {
    @Test("same output as tokenizers' normalizers", arguments: ["NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Lowercase"])
    func normalizer(form: String) throws {
        let url = ReferenceData.referencesDirectory.appendingPathComponent("normalizers.json")
        let json = try TokenizerJSON.parse([UInt8](try Data(contentsOf: url)))
        let strings = try #require(json["strings"]?.array).map { try #require($0.string) }
        let expected = try #require(json["normalized"]?[form]?.array).map { try #require($0.string) }
        try #require(strings.count == expected.count)
        let normalizer = try loadNormalizer(try TokenizerJSON.parse(Array("{\"type\": \"\(form)\"}".utf8)))
        var failures: [String] = []
        for (input, want) in zip(strings, expected) {
            let got = normalizer.normalize(Array(input.utf8))
            if !got.elementsEqual(want.utf8) {
                failures.append("\"\(visible(input))\" -> \"\(visible(String(decoding: got, as: UTF8.self)))\", expected \"\(visible(want))\"")
            }
        }
        #expect(strings.count > 1000)
        #expect(failures.isEmpty, "\(form): \(failures.count) of \(strings.count) differ:\n\(failures.prefix(10).joined(separator: "\n"))")
    }
}
