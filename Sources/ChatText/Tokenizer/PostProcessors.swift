/// A tokenizer.json post-processor, reduced to what decides the ids: which special tokens
/// `add_special_tokens` puts around a single sequence.
protocol PostProcessor: Sendable {
    func process(_ ids: [Int32], addSpecialTokens: Bool) -> [Int32]
}

/// `TemplateProcessing` (single-sequence template): `SpecialToken` pieces expand to their ids.
struct TemplatePostProcessor: PostProcessor {
    enum Item { case sequence, special([Int32]) }
    let items: [Item]

    func process(_ ids: [Int32], addSpecialTokens: Bool) -> [Int32] {
        var out: [Int32] = []
        for item in items {
            switch item {
            case .sequence: out += ids
            case .special(let special): if addSpecialTokens { out += special }
            }
        }
        return out
    }
}

/// `BertProcessing` / `RobertaProcessing`: cls + sequence + sep.
struct ClsSepPostProcessor: PostProcessor {
    let cls: Int32
    let sep: Int32
    func process(_ ids: [Int32], addSpecialTokens: Bool) -> [Int32] {
        addSpecialTokens ? [cls] + ids + [sep] : ids
    }
}

/// `ByteLevel` only trims offsets: the ids pass through.
struct PassThroughPostProcessor: PostProcessor {
    func process(_ ids: [Int32], addSpecialTokens: Bool) -> [Int32] { ids }
}

/// Applies post-processors in order.
struct SequencePostProcessor: PostProcessor {
    let processors: [any PostProcessor]
    func process(_ ids: [Int32], addSpecialTokens: Bool) -> [Int32] {
        processors.reduce(ids) { $1.process($0, addSpecialTokens: addSpecialTokens) }
    }
}
