import Foundation
import Testing
@testable import WinnowTokenizer

/// Every corpus string, every tokenizer: ids, ids with special tokens, token strings and decoded
/// text must equal what Hugging Face `tokenizers` produced (References/expected-*.json).
@Suite("Parity with Hugging Face tokenizers")
struct ParityTests {
    static let allTokenizers = ReferenceData.committedTokenizers + ReferenceData.fetchedTokenizers

    @Test("same ids, tokens and decoded text as tokenizers", arguments: allTokenizers)
    func parity(name: String) throws {
        let tokenizer = try ReferenceData.tokenizer(name)
        let corpus = try ReferenceData.corpus()
        let cases = try ReferenceData.expectedCases(name)
        try #require(corpus.count == cases.count, "corpus.json and expected-\(name).json disagree; re-run scripts/make-tokenizer-references.py")
        #expect(corpus.count >= 200)

        var failures: [String] = []
        for (text, expected) in zip(corpus, cases) {
            let ids = tokenizer.encode(text, addSpecialTokens: false)
            if ids != expected.ids { failures.append("ids of \"\(visible(text))\": got \(ids), expected \(expected.ids)") }
            let withSpecial = tokenizer.encode(text, addSpecialTokens: true)
            if withSpecial != expected.idsWithSpecialTokens {
                failures.append("ids+special of \"\(visible(text))\": got \(withSpecial), expected \(expected.idsWithSpecialTokens)")
            }
            let tokens = expected.ids.map { tokenizer.idToToken($0) ?? "<nil>" }
            if !tokens.elementsEqual(expected.tokens, by: sameScalars) {
                failures.append("tokens of \"\(visible(text))\": got \(tokens.map(visible)), expected \(expected.tokens.map(visible))")
            }
            for (token, id) in zip(expected.tokens, expected.tokenToIdOfTokens) where tokenizer.tokenToId(token) != id {
                failures.append("tokenToId(\"\(visible(token))\") is \(String(describing: tokenizer.tokenToId(token))), expected \(String(describing: id))")
            }
            let decoded = tokenizer.decode(expected.ids, skipSpecialTokens: false)
            if !sameScalars(decoded, expected.decoded) {
                failures.append("decode of \"\(visible(text))\": got \"\(visible(decoded))\", expected \"\(visible(expected.decoded))\"")
            }
            let skipped = tokenizer.decode(expected.ids, skipSpecialTokens: true)
            if !sameScalars(skipped, expected.decodedSkipSpecial) {
                failures.append("decode(skip special) of \"\(visible(text))\": got \"\(visible(skipped))\", expected \"\(visible(expected.decodedSkipSpecial))\"")
            }
            for (id, want) in zip(expected.ids, expected.singleIdDecodes) {
                let got = tokenizer.decode([id], skipSpecialTokens: false)
                if !sameScalars(got, want) { failures.append("decode([\(id)]): got \"\(visible(got))\", expected \"\(visible(want))\"") }
            }
        }
        #expect(failures.isEmpty, "\(name): \(failures.count) mismatches over \(corpus.count) strings; first ones:\n\(failures.prefix(15).joined(separator: "\n"))")
    }

    @Test("concurrent encoding gives the serial results", arguments: ["gemma-bpe", "gpt2-bpe"])
    func concurrentEncoding(name: String) async throws {
        let tokenizer = try ReferenceData.tokenizer(name)
        let corpus = try ReferenceData.corpus()
        let serial = corpus.map { tokenizer.encode($0, addSpecialTokens: false) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [[Int32]]).self) { group in
            for worker in 0..<8 {
                group.addTask { (worker, corpus.map { tokenizer.encode($0, addSpecialTokens: false) }) }
            }
            var results: [[[Int32]]] = []
            for try await (_, ids) in group { results.append(ids) }
            return results
        }
        for ids in concurrent { #expect(ids == serial) }
    }
}
