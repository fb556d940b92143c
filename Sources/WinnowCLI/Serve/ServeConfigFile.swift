import Foundation
import WinnowJinja
import WinnowJSON
import Policies

/// `winnow serve --config FILE`: the service's settings as one JSON object, for deployments that
/// keep configuration in a file (a Kubernetes ConfigMap, /etc/winnow). Keys are the long flags'
/// names with underscores; `kafka` holds librdkafka properties and `policy` the default
/// selection policy:
///
///     {"model": "/models/Skywork-Reward-V2-Qwen3-0.6B", "brokers": "kafka:9092",
///      "group": "winnow", "input_topic": "prompt-groups", "results_topic": "selections",
///      "sft_topic": "sft-samples", "exactly_once": true, "metrics_address": "0.0.0.0:9464",
///      "kafka": {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"},
///      "policy": {"rejection": {"top_k": 1}}}
///
/// Flags win over environment variables, which win over the file. Unknown keys are errors. The
/// keys are those of `ServeSettings.all`.
struct ServeConfigFile {
    let path: String
    private let object: JSONObject

    init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("config file \(path) cannot be read") }
        let value: Value
        do { value = try Value(jsonBytes: data) } catch { throw CommandFailure("config file \(path) is not JSON: \(error)") }
        guard case .object(let object) = value else { throw CommandFailure("config file \(path) must hold a JSON object") }
        let known = Set(ServeSettings.all.compactMap(\.configKey))
        for key in object.keys where !known.contains(key) {
            throw CommandFailure("config file \(path): unknown key \"\(key)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        self.object = object
    }

    /// A scalar setting as text (numbers and booleans as JSON writes them).
    func string(_ key: String) throws -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .double(let d)?: return String(d)
        case .bool(let b)?: return b ? "true" : "false"
        default: throw CommandFailure("config file \(path): \"\(key)\" must be a string or a number")
        }
    }

    /// `kafka`: librdkafka properties, in file order.
    func kafkaProperties() throws -> [(String, String)] {
        switch object["kafka"] {
        case nil, .null?: return []
        case .object(let properties)?:
            return try properties.map { key, value in
                switch value {
                case .string(let s): return (key, s)
                case .int(let i): return (key, String(i))
                case .bool(let b): return (key, b ? "true" : "false")
                default: throw CommandFailure("config file \(path): kafka.\(key) must be a string, integer or boolean")
                }
            }
        default: throw CommandFailure("config file \(path): \"kafka\" must be an object of librdkafka properties")
        }
    }

    func policy() throws -> SelectionPolicy? {
        guard let value = object["policy"], value != .null else { return nil }
        do { return try SelectionPolicy(json: value) } catch { throw CommandFailure("config file \(path): \(error)") }
    }
}
