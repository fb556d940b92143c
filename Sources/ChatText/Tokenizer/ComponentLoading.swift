import WinnowJSON

// Builds normalizers, pre-tokenizers, decoders and post-processors from their tokenizer.json
// objects. Every `type` not implemented here is a load error, never a silent pass-through.

private func typeName(_ json: JSONValue, _ component: String) throws -> String {
    guard let type = json["type"]?.string else {
        throw TokenizerError.invalidField(path: "\(component).type", expected: "a string")
    }
    return type
}

private func requiredString(_ json: JSONValue, _ key: String, _ path: String) throws -> String {
    guard let s = json[key]?.string else { throw TokenizerError.invalidField(path: "\(path).\(key)", expected: "a string") }
    return s
}

private func optionalBool(_ json: JSONValue, _ key: String, _ path: String, default value: Bool) throws -> Bool {
    guard let v = json[key], !v.isNull else { return value }
    guard let b = v.bool else { throw TokenizerError.invalidField(path: "\(path).\(key)", expected: "a boolean") }
    return b
}

private func singleScalar(_ s: String, _ path: String) throws -> UInt32 {
    let scalars = Array(s.unicodeScalars)
    guard scalars.count == 1 else { throw TokenizerError.invalidField(path: path, expected: "a single character") }
    return scalars[0].value
}

/// `{"String": "..."}` or `{"Regex": "..."}`.
func loadPattern(_ json: JSONValue?, _ path: String) throws -> any SplitMatcher {
    if let literal = json?["String"]?.string { return LiteralMatcher(literal: Array(literal.utf8)) }
    if let regex = json?["Regex"]?.string { return try SplitPatterns.matcher(forRegex: regex) }
    throw TokenizerError.invalidField(path: "\(path).pattern", expected: "{\"String\": ...} or {\"Regex\": ...}")
}

func loadNormalizer(_ json: JSONValue, path: String = "normalizer") throws -> any Normalizer {
    let type = try typeName(json, path)
    switch type {
    case "NFC": return UnicodeNormalizer(form: .nfc)
    case "NFD": return UnicodeNormalizer(form: .nfd)
    case "NFKC": return UnicodeNormalizer(form: .nfkc)
    case "NFKD": return UnicodeNormalizer(form: .nfkd)
    case "Lowercase": return LowercaseNormalizer()
    case "StripAccents": return StripAccentsNormalizer()
    case "Strip":
        return StripNormalizer(left: try optionalBool(json, "strip_left", path, default: true),
                               right: try optionalBool(json, "strip_right", path, default: true))
    case "Prepend":
        return PrependNormalizer(prefix: Array(try requiredString(json, "prepend", path).utf8))
    case "Replace":
        return ReplaceNormalizer(matcher: try loadPattern(json["pattern"], path),
                                 content: Array(try requiredString(json, "content", path).utf8))
    case "Sequence":
        return SequenceNormalizer(normalizers: try loadSequence(json, "normalizers", path, loadNormalizer))
    default:
        throw TokenizerError.unsupported(component: path, type: type)
    }
}

func loadPreTokenizer(_ json: JSONValue, path: String = "pre_tokenizer") throws -> any PreTokenizer {
    let type = try typeName(json, path)
    switch type {
    case "ByteLevel":
        return ByteLevelPreTokenizer(addPrefixSpace: try optionalBool(json, "add_prefix_space", path, default: true),
                                     useRegex: try optionalBool(json, "use_regex", path, default: true))
    case "Split":
        let behaviorName = try requiredString(json, "behavior", path)
        guard let behavior = SplitBehavior(rawValue: behaviorName) else {
            throw TokenizerError.unsupported(component: "\(path).behavior", type: behaviorName)
        }
        return SplitPreTokenizer(matcher: try loadPattern(json["pattern"], path), behavior: behavior,
                                 invert: try optionalBool(json, "invert", path, default: false))
    case "Metaspace":
        let replacement = try requiredString(json, "replacement", path)
        _ = try singleScalar(replacement, "\(path).replacement")
        var scheme = MetaspacePreTokenizer.PrependScheme.always
        if let name = json["prepend_scheme"]?.string {
            guard let s = MetaspacePreTokenizer.PrependScheme(rawValue: name) else {
                throw TokenizerError.unsupported(component: "\(path).prepend_scheme", type: name)
            }
            scheme = s
        }
        if json["add_prefix_space"]?.bool == false { scheme = .never }
        return MetaspacePreTokenizer(replacement: Array(replacement.utf8), prependScheme: scheme,
                                     splitWords: try optionalBool(json, "split", path, default: true))
    case "WhitespaceSplit":
        return WhitespaceSplitPreTokenizer()
    case "Digits":
        return DigitsPreTokenizer(individualDigits: try optionalBool(json, "individual_digits", path, default: false))
    case "Sequence":
        let steps = try loadSequence(json, "pretokenizers", path, loadPreTokenizer)
        return SplitThenByteLevelPreTokenizer.fused(steps) ?? SequencePreTokenizer(preTokenizers: steps)
    default:
        throw TokenizerError.unsupported(component: path, type: type)
    }
}

func loadDecoder(_ json: JSONValue, path: String = "decoder") throws -> any Decoder {
    let type = try typeName(json, path)
    switch type {
    case "ByteLevel": return ByteLevelDecoder()
    case "ByteFallback": return ByteFallbackDecoder()
    case "Fuse": return FuseDecoder()
    case "Replace":
        return ReplaceDecoder(matcher: try loadPattern(json["pattern"], path),
                              content: Array(try requiredString(json, "content", path).utf8))
    case "Strip":
        guard let start = json["start"]?.int, let stop = json["stop"]?.int else {
            throw TokenizerError.invalidField(path: "\(path).start/stop", expected: "integers")
        }
        return StripDecoder(content: try singleScalar(try requiredString(json, "content", path), "\(path).content"),
                            start: start, stop: stop)
    case "Metaspace":
        let replacement = try singleScalar(try requiredString(json, "replacement", path), "\(path).replacement")
        var scheme = MetaspacePreTokenizer.PrependScheme.always
        if let name = json["prepend_scheme"]?.string {
            guard let s = MetaspacePreTokenizer.PrependScheme(rawValue: name) else {
                throw TokenizerError.unsupported(component: "\(path).prepend_scheme", type: name)
            }
            scheme = s
        }
        if json["add_prefix_space"]?.bool == false { scheme = .never }
        return MetaspaceDecoder(replacement: replacement, prependScheme: scheme)
    case "Sequence":
        return SequenceDecoder(decoders: try loadSequence(json, "decoders", path, loadDecoder))
    default:
        throw TokenizerError.unsupported(component: path, type: type)
    }
}

func loadPostProcessor(_ json: JSONValue, path: String = "post_processor") throws -> any PostProcessor {
    let type = try typeName(json, path)
    switch type {
    case "ByteLevel": return PassThroughPostProcessor()
    case "TemplateProcessing":
        guard let single = json["single"]?.array else {
            throw TokenizerError.invalidField(path: "\(path).single", expected: "an array")
        }
        let specials = json["special_tokens"]
        var items: [TemplatePostProcessor.Item] = []
        for (index, piece) in single.enumerated() {
            if piece["Sequence"] != nil {
                items.append(.sequence)
            } else if let name = piece["SpecialToken"]?["id"]?.string {
                guard let values = specials?[name]?["ids"]?.array else {
                    throw TokenizerError.invalidField(path: "\(path).special_tokens[\(name)].ids", expected: "an array of ids")
                }
                let ids = values.compactMap(\.tokenId)
                guard ids.count == values.count else {
                    throw TokenizerError.invalidField(path: "\(path).special_tokens[\(name)].ids", expected: "ids in 0...\(Int32.max)")
                }
                items.append(.special(ids))
            } else {
                throw TokenizerError.invalidField(path: "\(path).single[\(index)]", expected: "{\"Sequence\"} or {\"SpecialToken\"}")
            }
        }
        return TemplatePostProcessor(items: items)
    case "BertProcessing", "RobertaProcessing":
        guard let cls = json["cls"]?.array?.last?.tokenId, let sep = json["sep"]?.array?.last?.tokenId else {
            throw TokenizerError.invalidField(path: "\(path).cls/sep", expected: "[token, id] pairs, ids in 0...\(Int32.max)")
        }
        return ClsSepPostProcessor(cls: cls, sep: sep)
    case "Sequence":
        return SequencePostProcessor(processors: try loadSequence(json, "processors", path, loadPostProcessor))
    default:
        throw TokenizerError.unsupported(component: path, type: type)
    }
}

/// The items of a `Sequence` component (`json[key]`, an array), each loaded by `load` with its
/// path (`path.key[i]`) for error messages.
private func loadSequence<Item>(_ json: JSONValue, _ key: String, _ path: String,
                                _ load: (JSONValue, String) throws -> Item) throws -> [Item] {
    guard let items = json[key]?.array else {
        throw TokenizerError.invalidField(path: "\(path).\(key)", expected: "an array")
    }
    return try items.enumerated().map { try load($1, "\(path).\(key)[\($0)]") }
}
