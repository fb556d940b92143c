import Foundation
import RewardEngine
import WinnowJSON

/// What clients ask a server about its model before they send work: vLLM's (and OpenAI's)
/// `GET /v1/models`, SGLang's `GET /model_info` (and its older name `/get_model_info`). Each
/// answer has that server's shape, so a client that checks the served model name or the context
/// length before scoring works unchanged.
struct ModelInfoEndpoints: Sendable {
    /// The served model's name (`ORG/NAME` for a cache entry, else the directory's name).
    let name: String
    /// The checkpoint directory.
    let path: String
    /// Hugging Face `model_type` and `architectures` of config.json.
    let modelType: String
    let architecture: String
    /// The snapshot revision of a cache entry, if any.
    let revision: String?
    /// The longest sequence the server scores, in tokens.
    let maxModelLength: Int
    /// When the server loaded the model (Unix seconds), vLLM's `created`.
    let created: Int

    init(model: RewardModel, created: Date = Date()) {
        name = model.directory.name
        path = model.directory.url.path
        modelType = model.configuration.family.rawValue
        architecture = model.configuration.architecture
        revision = model.directory.revision
        maxModelLength = model.maxSequenceLength
        self.created = Int(created.timeIntervalSince1970)
    }

    /// vLLM's `ModelList`: `{"object": "list", "data": [{"id", "object": "model", "created",
    /// "owned_by", "root", "parent", "max_model_len", "permission"}]}`.
    var models: String {
        let card: JSONValue = [
            "id": .string(name), "object": "model", "created": .int(created), "owned_by": "winnow",
            "root": .string(path), "parent": .null, "max_model_len": .int(maxModelLength), "permission": [],
        ]
        let list: JSONValue = ["object": "list", "data": [card]]
        return list.jsonText
    }

    /// SGLang's model information: a scoring model is not a generation model and takes no
    /// sampling parameters; `weight_version` is the snapshot revision (SGLang: "default").
    var modelInfo: String {
        let info: JSONValue = [
            "model_path": .string(path), "tokenizer_path": .string(path), "is_generation": false,
            "preferred_sampling_params": .null, "weight_version": .string(revision ?? "default"),
            "has_image_understanding": false, "has_audio_understanding": false,
            "model_type": .string(modelType), "architectures": [.string(architecture)],
        ]
        return info.jsonText
    }
}
