import Foundation
import Policies
import RewardEngine
import WinnowJinja
import WinnowJSON

/// A successful answer: the JSON text and how many sequences it scored (for the metrics).
struct Reply: Sendable {
    var json: String
    var sequences: Int
}

/// The scoring endpoints that speak other servers' protocols — SGLang, vLLM, OpenRLHF — each
/// request and response exactly as that server documents it. All of them score through one
/// `ScoreBatcher`, so single-sample requests from any of them share batches and prefixes.
struct PeerEndpoints: Sendable {
    let tokenizing: TextTokenizing
    let batcher: ScoreBatcher
    /// Most inputs (texts, id lists, queries, groups) one request may carry.
    let maxInputs: Int
    /// The served model's name, reported where a peer reports one.
    let modelName: String

    // MARK: SGLang: POST /classify, POST /encode with `text` or `input_ids`

    static let sglangFields: Set<String> = ["model", "text", "input_ids", "rid"]

    /// `{"text": str | [str]}` or `{"input_ids": [int] | [[int]]}` -> one item
    /// `{"embedding": [score], "meta_info": {...}}` per input: a single object for a single input,
    /// a list for a list, as SGLang answers.
    func sglang(_ body: Value, endpoint: String) async throws -> Reply {
        let object = try JSONBody.object(body, allowed: Self.sglangFields, endpoint: endpoint)
        _ = try JSONBody.string(object["model"], field: "model")
        let sequences: [[Int32]], single: Bool
        switch (object["text"], object["input_ids"]) {
        case (.some, .some):
            throw APIError.badRequest("give either \"text\" or \"input_ids\", not both")
        case (.string(let text)?, nil):
            (sequences, single) = ([try tokenizing.sglang(text, index: 0)], true)
        case (.array(let items)?, nil):
            try checkCount(items.count, field: "text")
            sequences = try items.enumerated().map { (i, item) throws(APIError) in
                guard case .string(let text) = item else { throw .badRequest("\"text\"[\(i)] must be a string") }
                return try tokenizing.sglang(text, index: i)
            }
            single = false
        case (nil, .array(let items)?):
            (sequences, single) = try idLists(items, field: "input_ids")
        case (nil, nil):
            throw APIError.badRequest("\(endpoint) needs \"text\" (a string or a list of strings) or \"input_ids\"")
        default:
            throw APIError.badRequest(object["text"] != nil ? "\"text\" must be a string or a list of strings"
                                                            : "\"input_ids\" must be a list of token ids or a list of such lists")
        }
        let scored = try await batcher.submit(sequences, endpoint: endpoint)
        let items = zip(sequences, scored.scores).map { ids, score -> JSONValue in
            let meta: JSONValue = [
                "id": .string(Self.requestID()),
                "prompt_tokens": .int(ids.count),
                "queue_time": .double(scored.queueSeconds),
                "inference_time": .double(scored.inferenceSeconds),
            ]
            return ["embedding": [JSONValue(score)], "meta_info": meta]
        }
        return Reply(json: (single ? items[0] : .array(items)).jsonText, sequences: sequences.count)
    }

    // MARK: vLLM: POST /classify and POST /pooling with `input` or `messages`

    static let vllmFields: Set<String> = ["model", "input", "messages", "truncate_prompt_tokens", "use_activation",
                                          "add_special_tokens", "user", "priority", "request_id", "encoding_format"]

    /// `{"input": str | [str] | [int] | [[int]]}` or `{"messages": [...]}` (one conversation) ->
    /// `{"id", "object": "list", "created", "model", "data": [...], "usage": {...}}`. Each score
    /// goes through a sigmoid unless `use_activation` is false, as vLLM does for a single-label
    /// classifier. `/classify` items are `{"index", "label", "probs": [p], "num_classes": 1}`;
    /// `/pooling` items are `{"index", "object": "pooling", "data": [p]}`.
    func vllm(_ body: Value, endpoint: String, pooling: Bool) async throws -> Reply {
        let object = try JSONBody.object(body, allowed: Self.vllmFields, endpoint: endpoint)
        let model = try JSONBody.string(object["model"], field: "model") ?? modelName
        _ = try JSONBody.string(object["user"], field: "user")
        _ = try JSONBody.string(object["request_id"], field: "request_id")
        _ = try JSONBody.int(object["priority"], field: "priority")
        if let format = try JSONBody.string(object["encoding_format"], field: "encoding_format"), format != "float" {
            throw APIError.badRequest("\"encoding_format\" \"\(format)\" is not supported; use \"float\"")
        }
        let activation = try JSONBody.bool(object["use_activation"], field: "use_activation") ?? true
        let addSpecial = try JSONBody.bool(object["add_special_tokens"], field: "add_special_tokens")
        let truncate = try JSONBody.int(object["truncate_prompt_tokens"], field: "truncate_prompt_tokens")
        let sequences: [[Int32]]
        switch (object["input"], object["messages"]) {
        case (.some, .some):
            throw APIError.badRequest("give either \"input\" or \"messages\", not both")
        case (.string(let text)?, nil):
            sequences = [try tokenizing.vllm(text, addSpecialTokens: addSpecial ?? true, truncate: truncate, index: 0)]
        case (.array(let items)?, nil):
            if case .string? = items.first {
                try checkCount(items.count, field: "input")
                sequences = try items.enumerated().map { (i, item) throws(APIError) in
                    guard case .string(let text) = item else { throw .badRequest("\"input\"[\(i)] must be a string") }
                    return try tokenizing.vllm(text, addSpecialTokens: addSpecial ?? true, truncate: truncate, index: i)
                }
            } else {
                sequences = try idLists(items, field: "input").sequences.enumerated().map { (i, ids) throws(APIError) in
                    try tokenizing.truncated(ids, truncate: truncate, index: i)
                }
            }
        case (nil, let messages?):
            var ids = try tokenizing.conversation(messages, index: 0)
            if let truncate { ids = try tokenizing.truncated(ids, truncate: truncate, index: 0) }
            sequences = [ids]
        case (nil, nil):
            throw APIError.badRequest("\(endpoint) needs \"input\" (a string, a list of strings, token ids or lists of token ids) or \"messages\"")
        default:
            throw APIError.badRequest("\"input\" must be a string, a list of strings, a list of token ids or a list of such lists")
        }
        let scored = try await batcher.submit(sequences, endpoint: endpoint)
        let data = scored.scores.enumerated().map { index, score -> JSONValue in
            let value = activation ? 1 / (1 + exp(-score)) : score
            var item: JSONObject = ["index": .int(index)]
            if pooling {
                item["object"] = "pooling"
                item["data"] = [JSONValue(value)]
            } else {
                item["label"] = "LABEL_0"
                item["probs"] = [JSONValue(value)]
                item["num_classes"] = 1
            }
            return .object(item)
        }
        let tokens = sequences.reduce(0) { $0 + $1.count }
        let out: JSONValue = [
            "id": .string((pooling ? "pool-" : "classify-") + Self.requestID()),
            "object": "list",
            "created": .int(Int(Date().timeIntervalSince1970)),
            "model": .string(model),
            "data": .array(data),
            "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens), "completion_tokens": 0,
                      "prompt_tokens_details": .null],
        ]
        return Reply(json: out.jsonText, sequences: sequences.count)
    }

    // MARK: OpenRLHF: POST /get_reward

    static let openRLHFFields: Set<String> = ["query", "prompts", "labels"]

    /// `{"query": [texts], "prompts": [...], "labels": [...]}` -> `{"rewards": [...], "scores": [...]}`
    /// (the same numbers in both, as OpenRLHF's `serve_rm` answers); `prompts` and `labels` are
    /// accepted and not used, as there.
    func openRLHF(_ body: Value, endpoint: String) async throws -> Reply {
        let object = try JSONBody.object(body, allowed: Self.openRLHFFields, endpoint: endpoint)
        guard case .array(let queries)? = object["query"] else {
            throw APIError.badRequest("\"query\" must be a list of strings (prompt and response as one text each)")
        }
        for field in ["prompts", "labels"] {
            switch object[field] {
            case nil, .null?, .array?: break
            default: throw APIError.badRequest("\"\(field)\" must be a list")
            }
        }
        try checkCount(queries.count, field: "query")
        let sequences = try queries.enumerated().map { (i, item) throws(APIError) in
            guard case .string(let text) = item else { throw .badRequest("\"query\"[\(i)] must be a string") }
            return try tokenizing.openRLHF(text, index: i)
        }
        let scored = try await batcher.submit(sequences, endpoint: endpoint)
        let rewards = JSONValue.array(scored.scores.map(JSONValue.init))
        let out: JSONValue = ["rewards": rewards, "scores": rewards]
        return Reply(json: out.jsonText, sequences: sequences.count)
    }

    // MARK: Shared

    /// `[int]` (one sequence) or `[[int], ...]`; the flag says which.
    private func idLists(_ items: [Value], field: String) throws(APIError) -> (sequences: [[Int32]], single: Bool) {
        if JSONBody.isIDList(items) { return ([try tokenizing.ids(JSONBody.ids(items, field: field), index: 0)], true) }
        try checkCount(items.count, field: field)
        let sequences = try items.enumerated().map { (i, item) throws(APIError) in
            guard case .array(let ids) = item else { throw .badRequest("\"\(field)\"[\(i)] must be a list of token ids") }
            return try tokenizing.ids(JSONBody.ids(ids, field: "\(field)[\(i)]"), index: i)
        }
        return (sequences, false)
    }

    func checkCount(_ count: Int, field: String) throws(APIError) {
        guard count > 0 else { throw .badRequest("\"\(field)\" is empty") }
        guard count <= maxInputs else {
            throw .tooLarge("\"\(field)\" has \(count) inputs; at most \(maxInputs) are accepted per request")
        }
    }

    static func requestID() -> String { UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }
}
