import Foundation
import WinnowJinja
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
/// Flags win over environment variables, which win over the file. Unknown keys are errors.
struct ServeConfigFile {
    /// Keys that hold a string or a number.
    static let scalarKeys: Set<String> = [
        "model", "threads", "token_budget", "max_length", "weights", "compute", "brokers", "group", "input_topic", "results_topic", "dead_letter_topic", "sft_topic", "pairs_topic",
        "max_candidates", "max_inflight_tokens", "metrics_address", "log_level", "drain_timeout", "exactly_once",
        "transaction_interval_ms", "max_inflight_bytes", "max_pairs_per_group", "max_sft_rows_per_group",
        "output_retry_timeout",
        // The HTTP front door (HTTPOptions).
        "http_address", "http_max_body_bytes", "http_max_inputs", "http_max_queue", "http_timeout", "http_batch_window_ms",
        "http_batch_tokens",
    ]

    let path: String
    private let object: OrderedObject

    init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("config file \(path) cannot be read") }
        let value: Value
        do { value = try Value(jsonData: data) } catch { throw CommandFailure("config file \(path) is not JSON: \(error)") }
        guard case .object(let object) = value else { throw CommandFailure("config file \(path) must hold a JSON object") }
        for key in object.keys where !Self.scalarKeys.contains(key) && key != "kafka" && key != "policy" {
            throw CommandFailure("config file \(path): unknown key \"\(key)\" (known: \((Self.scalarKeys.sorted() + ["kafka", "policy"]).joined(separator: ", ")))")
        }
        self.object = object
    }

    /// A scalar setting as text (numbers and booleans as JSON writes them).
    func string(_ key: String) throws -> String? {
        switch object[key] {
        case nil, .none?: return nil
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
        case nil, .none?: return []
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
        guard let value = object["policy"], value != .none else { return nil }
        do { return try SelectionPolicy(json: value) } catch { throw CommandFailure("config file \(path): \(error)") }
    }
}
