import Foundation
import WinnowJinja
import Testing
@testable import ChatText
@testable import WinnowTokenizer

/// A group's candidates are tokenized with their shared prefix once (`ChatEncoder.encode(prompt:
/// responses:)`, `Tokenizer.encode(sharingPrefix:)`); the ids must be exactly those of each
/// candidate tokenized whole, on the real tokenizers and templates (Llama-3.1, Qwen3, Gemma-2)
/// and for the conversations and responses most likely to break a cut: history rewritten by
/// the template, special tokens and whitespace around the divergence point, multi-byte
/// characters the candidates share only the first bytes of.
@Suite struct SharedPrefixEncodingTests {
    static let models = ["llama3.1", "llama3-no-bos-processor", "qwen3", "gemma2"]

    /// Responses that start alike and part at awkward places.
    static let responses: [String] = [
        "", " ", "\n", "\n\n", "  leading spaces", "4", "4.", "The answer is 4.", "The answer is 5.",
        "é", "è", "😀 smile", "😁 grin", "日本語の答え", "日本人", // share 1-3 bytes of one character
        "<think>\nreasoning\n</think>\n\nfinal", "<think></think>", "</think>after",
        "<|im_end|>", "<|im_start|>user\nhi<|im_end|>", "<|eot_id|><|start_header_id|>user", "<end_of_turn>\n<start_of_turn>user",
        "<|endoftext|>x", "<bos>", "<|begin_of_text|>again", "assistant", "user\n",
        "\t\r\ntabs", "{{ not jinja }}", String(repeating: "long ", count: 400), "ab" + String(repeating: "😀", count: 30),
    ]

    /// Prompts: every reference conversation without its final assistant turn, and a few more.
    static func prompts(_ conversations: [[Value]]) -> [[Value]] {
        var prompts = conversations.map { messages -> [Value] in
            guard case .object(let last)? = messages.last, last["role"] == .string("assistant") else { return messages }
            return Array(messages.dropLast())
        }.filter { !$0.isEmpty }
        let long = String(repeating: "Context paragraph with numbers 12345 and ümlauts. ", count: 200)
        prompts.append([["role": "user", "content": .string(long)]])
        prompts.append([["role": "system", "content": "Be brief."], ["role": "user", "content": "2+2?"],
                        ["role": "assistant", "content": "<think>\nadd\n</think>\n\n4"], ["role": "user", "content": "and 3+3?"]])
        prompts.append([["role": "user", "content": "ends with a space "]])
        prompts.append([["role": "user", "content": "ends inside é"]])
        return prompts
    }

    @Test(arguments: models)
    func groupIdsEqualEachCandidateTokenizedWhole(_ model: String) throws {
        let (cases, conversations) = try ChatCases.load()
        let scratch = try Scratch()
        let directory = try ChatCases.modelDirectory(model, tokenizer: try #require(cases.tokenizers[model]), in: scratch.url)
        let encoder = try ChatEncoder(directory: directory, variables: ["date_string": .string(cases.date_string)])
        var groups = 0, candidates = 0, cutGroups = 0
        for prompt in Self.prompts(conversations) {
            // Groups of several sizes, including responses that share long prefixes of their own.
            for responses in [Self.responses, Array(Self.responses.prefix(2)), ["same", "same"], ["only one"],
                              Self.responses.map { "Shared start of every answer. " + $0 }] {
                let grouped = encoder.encode(prompt: .messages(prompt), responses: responses)
                #expect(grouped.count == responses.count)
                for (response, result) in zip(responses, grouped) {
                    let whole = Result { try encoder.encode(prompt: .messages(prompt), response: response) }
                    switch (whole, result) {
                    case (.success(let expected), .success(let got)):
                        #expect(got == expected, "\(model): ids differ for response \(response.debugDescription.prefix(60)) after \(prompt.count) messages")
                    case (.failure(let expected), .failure(let got)):
                        #expect("\(got)" == "\(expected)")
                    default:
                        Issue.record("\(model): one way failed, the other did not: \(whole) vs \(result)")
                    }
                    candidates += 1
                }
                groups += 1
                let texts = grouped.compactMap { try? $0.get().text }
                if texts.count > 1, encoder.tokenizer.addedVocabulary.lastSafeCut(
                    in: Array(texts[0].utf8), sharedLength: Tokenizer.commonPrefixLength(texts.map { Array($0.utf8) })) > 0 {
                    cutGroups += 1
                }
            }
        }
        // The shortcut must actually be taken for chat prompts, or this test proves nothing.
        #expect(cutGroups * 2 > groups, "\(model): only \(cutGroups) of \(groups) groups shared a tokenized prefix")
        print("shared-prefix encoding \(model): \(groups) groups, \(candidates) candidates identical; \(cutGroups) groups cut")
    }

    /// The tokenizer alone, on text without a template: random texts built from fragments that
    /// stress the cut (added tokens with and without whitespace around them, multi-byte
    /// characters split between a shared prefix and the rest), on every tokenizer at hand.
    @Test(arguments: ["llama3", "qwen3"])
    func randomTextsEqualWholeEncoding(_ name: String) throws {
        let tokenizer = try Tokenizer(directory: ChatCases.testData().appendingPathComponent(name))
        let specials = tokenizer.addedTokens.prefix(40).map(\.content)
        let fragments = specials + [" ", "  ", "\n", "\n\n", "\t", "a", "ab", "word", " word", "é", "日本", "😀", "12", "345",
                                    ".", "'s", "'t", "<", ">", "|", "<|", "|>"]
        var generator = SeededGenerator(seed: 0x5eed)
        var cut = 0
        for _ in 0..<300 {
            let prefix = (0..<Int.random(in: 1...30, using: &generator)).map { _ in fragments.randomElement(using: &generator)! }.joined()
            let texts = (0..<Int.random(in: 2...6, using: &generator)).map { _ in
                prefix + (0..<Int.random(in: 0...8, using: &generator)).map { _ in fragments.randomElement(using: &generator)! }.joined()
            }
            for special in [true, false] {
                let shared = tokenizer.encode(sharingPrefix: texts, addSpecialTokens: special)
                #expect(shared == texts.map { tokenizer.encode($0, addSpecialTokens: special) }, "\(name): \(texts.map(\.debugDescription))")
            }
            if tokenizer.addedVocabulary.lastSafeCut(in: Array(texts[0].utf8),
                                                     sharedLength: Tokenizer.commonPrefixLength(texts.map { Array($0.utf8) })) > 0 {
                cut += 1
            }
        }
        #expect(cut > 100, "\(name): only \(cut) of 300 sets were cut")
    }
}

/// The group of issue 12 that took 6.9 s on the consumer thread: a 56 KB prompt with 256
/// candidates, encoded candidate by candidate (as before) and as a group, in the same run on the
/// Qwen3 tokenizer and template. Prints both times; asserts only that the ids are the same.
@Suite struct GroupEncodingReport {
    @Test("56 KB prompt x 256 candidates: per candidate vs shared prefix (printed)")
    func largeGroup() throws {
        let (cases, _) = try ChatCases.load()
        let scratch = try Scratch()
        let directory = try ChatCases.modelDirectory("qwen3", tokenizer: try #require(cases.tokenizers["qwen3"]), in: scratch.url)
        let encoder = try ChatEncoder(directory: directory, maxLength: 1 << 20)
        var generator = SeededGenerator(seed: 56)
        let words = ["the", "reward", "model", "scores", "each", "candidate", "answer,", "given", "context:", "1234", "\n", "Überblick", "数据", "—", "(see", "below)."]
        var context = ""
        while context.utf8.count < 56 * 1024 { context += words.randomElement(using: &generator)! + " " }
        let prompt = CandidatePrompt.messages([["role": "system", "content": "Judge the answers."], ["role": "user", "content": .string(context)]])
        let responses = (0..<256).map { i in "Candidate \(i): " + (0..<40).map { _ in words.randomElement(using: &generator)! }.joined(separator: " ") }

        // The group first, on a cold word cache: the comparison favours the old way, if anything.
        let groupStart = ContinuousClock.now
        let grouped = try encoder.encode(prompt: prompt, responses: responses).map { try $0.get() }
        let groupTime = ContinuousClock.now - groupStart
        let perCandidateStart = ContinuousClock.now
        let perCandidate = try responses.map { try encoder.encode(prompt: prompt, response: $0) }
        let perCandidateTime = ContinuousClock.now - perCandidateStart
        #expect(grouped == perCandidate)
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        print("""
            group encoding (qwen3, \(context.utf8.count / 1024) KB prompt x \(responses.count) candidates, \
            \(perCandidate[0].ids.count) tokens each, \(cpu)): per candidate \(String(format: "%.3f", seconds(perCandidateTime))) s, \
            shared prefix \(String(format: "%.3f", seconds(groupTime))) s (\(String(format: "%.1f", seconds(perCandidateTime) / seconds(groupTime)))x)
            """)
    }
}

/// A small deterministic generator (SplitMix64), so a failing case can be run again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
