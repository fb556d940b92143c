import ChatText
import RewardEngine
import WinnowJinja

/// Turns each peer's inputs into token ids exactly as that peer would, checked against the
/// model's vocabulary and length limit (a 400 naming the input otherwise).
struct TextTokenizing: Sendable {
    let encoder: ChatEncoder
    let model: RewardModel

    /// SGLang: `tokenizer.encode(text)` — the tokenizer's own special tokens added (the model
    /// card's client strips the BOS from the rendered template for that reason).
    func sglang(_ text: String, index: Int) throws(APIError) -> [Int32] {
        try checked(encoder.tokenizer.encode(text, addSpecialTokens: true), index: index)
    }

    /// vLLM's completion-style input: special tokens added unless `add_special_tokens` is false,
    /// then `truncate_prompt_tokens` keeps the last k tokens (-1: the model's limit).
    func vllm(_ text: String, addSpecialTokens: Bool, truncate: Int?, index: Int) throws(APIError) -> [Int32] {
        try truncated(encoder.tokenizer.encode(text, addSpecialTokens: addSpecialTokens), truncate: truncate, index: index)
    }

    func truncated(_ ids: [Int32], truncate: Int?, index: Int) throws(APIError) -> [Int32] {
        guard let truncate else { return try checked(ids, index: index) }
        let keep = truncate == -1 ? model.maxSequenceLength : truncate
        guard keep >= 1 else { throw .badRequest("\"truncate_prompt_tokens\" must be -1 or a positive number of tokens") }
        guard keep <= model.maxSequenceLength else {
            throw .badRequest("\"truncate_prompt_tokens\" is \(keep); the model's limit is \(model.maxSequenceLength)")
        }
        return try checked(Array(ids.suffix(keep)), index: index)
    }

    /// A chat conversation as the model card scores it: the checkpoint's chat template, one BOS.
    func conversation(_ messages: Value, index: Int) throws(APIError) -> [Int32] {
        guard case .array(let list) = messages, !list.isEmpty else {
            throw .badRequest("\"messages\" must be a non-empty list of {\"role\", \"content\"}")
        }
        for (i, message) in list.enumerated() {
            guard case .object(let fields) = message, case .string(let role)? = fields["role"] else {
                throw .badRequest("message \(i) must be an object with a string \"role\"")
            }
            guard ChatEncoder.roles.contains(role) else {
                throw .badRequest("message \(i) has role \"\(role)\"; expected one of \(ChatEncoder.roles.sorted().joined(separator: ", "))")
            }
            switch fields["content"] {
            case .string?, .array?: break
            default: throw .badRequest("message \(i) needs \"content\" (a string or a list of parts)")
            }
        }
        do { return try checked(encoder.encode(messages: list).ids, index: index) } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("conversation \(index) cannot be formatted: \(error)")
        }
    }

    /// OpenRLHF's `serve_rm`: runs of pad and EOS tokens stripped from both ends of the text, one
    /// EOS appended, tokenized without adding special tokens.
    func openRLHF(_ text: String, index: Int) throws(APIError) -> [Int32] {
        let eos = encoder.configuration.eosToken
        let pad = encoder.configuration.padToken
        let strip = [eos, pad].compactMap { $0 }.filter { !$0.isEmpty }
        var body = Substring(text)
        var changed = true
        while changed {
            changed = false
            for token in strip {
                while body.hasSuffix(token) { body = body.dropLast(token.count); changed = true }
                while body.hasPrefix(token) { body = body.dropFirst(token.count); changed = true }
            }
        }
        return try checked(encoder.tokenizer.encode(String(body) + (eos ?? ""), addSpecialTokens: false), index: index)
    }

    /// Raw token ids, as sent.
    func ids(_ ids: [Int32], index: Int) throws(APIError) -> [Int32] { try checked(ids, index: index) }

    private func checked(_ ids: [Int32], index: Int) throws(APIError) -> [Int32] {
        do { try model.validate(ids, index: index) } catch {
            throw .badRequest("input \(index): \(error)")
        }
        return ids
    }
}
