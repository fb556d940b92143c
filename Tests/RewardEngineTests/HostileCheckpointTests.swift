import Foundation
import Testing
@testable import RewardEngine

/// A model directory is input too: every out-of-range size, overflowing header or shard name
/// that leaves the directory must end as a CheckpointError naming the file and field — never a
/// trap (RewardEngine is built with -Ounchecked, where a missed check corrupts memory instead).
@Suite struct HostileConfigTests {
    let qwen = try! ParityFixture("qwen3-tiny")

    private func config(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let url = qwen.directory.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&config)
        return try JSONSerialization.data(withJSONObject: config)
    }

    /// The field an invalid config is refused for, or nil when it loads.
    private func refusedField(_ edit: (inout [String: Any]) -> Void) throws -> String? {
        do {
            _ = try ModelConfiguration.decode(try config(edit), path: "/models/x/config.json")
            return nil
        } catch CheckpointError.invalidField(let file, let field, _) {
            #expect(file == "/models/x/config.json")
            return field
        }
    }

    static var outOfRange: [(String, Any)] { [
        ("max_position_embeddings", -5), ("max_position_embeddings", 0), ("max_position_embeddings", 1 << 40),
        ("hidden_size", -128), ("hidden_size", 0), ("hidden_size", Int.max),
        ("intermediate_size", -1), ("intermediate_size", 1 << 40),
        ("num_hidden_layers", -3), ("num_hidden_layers", 0), ("num_hidden_layers", 1 << 40),
        ("num_attention_heads", -4), ("num_attention_heads", 1 << 30),
        ("num_key_value_heads", 0), ("num_key_value_heads", -2), ("num_key_value_heads", 3), ("num_key_value_heads", 8),
        ("head_dim", 0), ("head_dim", -48), ("head_dim", 47), ("head_dim", 1 << 20),
        ("vocab_size", 0), ("vocab_size", -512), ("vocab_size", 1 << 40),
        ("rms_norm_eps", -1.0), ("rms_norm_eps", 1e300),
        ("hidden_size", 1e30), ("max_position_embeddings", 1.5), ("vocab_size", "many"),
    ] }

    @Test(arguments: outOfRange.indices)
    func outOfRangeSizeNamesItsField(_ i: Int) throws {
        let (field, value) = Self.outOfRange[i]
        let refused = try refusedField { $0[field] = value }
        #expect(refused == field, "\(field) = \(value)")
    }

    @Test func ropeParametersAreBounded() throws {
        #expect(try refusedField { $0["rope_parameters"] = ["rope_type": "default", "rope_theta": 0] } == "rope_theta")
        #expect(try refusedField { $0["rope_parameters"] = ["rope_type": "default", "rope_theta": -1e6] } == "rope_theta")
        let llama3: [String: Any] = ["rope_type": "llama3", "rope_theta": 500000, "factor": 8, "low_freq_factor": 1,
                                     "high_freq_factor": 4, "original_max_position_embeddings": 64]
        #expect(try refusedField { $0["rope_parameters"] = llama3 } == nil)
        for (key, value, field) in [("factor", -8, "rope_scaling.factor"), ("high_freq_factor", 1, "rope_scaling.high_freq_factor"),
                                    ("low_freq_factor", 0, "rope_scaling.low_freq_factor"),
                                    ("original_max_position_embeddings", -64, "rope_scaling.original_max_position_embeddings")] as [(String, Int, String)] {
            var broken = llama3
            broken[key] = value
            #expect(try refusedField { $0["rope_parameters"] = broken } == field, "\(key) = \(value)")
        }
    }

    @Test func slidingLayersNeedABoundedWindow() throws {
        let types = ["sliding_attention", "full_attention", "sliding_attention", "full_attention"]
        #expect(try refusedField { $0["layer_types"] = types; $0["sliding_window"] = -1 } == "sliding_window")
        #expect(try refusedField { $0["layer_types"] = types; $0["sliding_window"] = 1 << 40 } == "sliding_window")
        #expect(try refusedField { $0["layer_types"] = types; $0["sliding_window"] = 64 } == nil)
    }

    /// Foundation's reader behind JSONDecoder: hostile JSON is a config error, not a crash.
    @Test func hostileJSON() {
        for bytes in [Array(String(repeating: "[", count: 100_000).utf8), Array(String(repeating: "{\"a\":", count: 100_000).utf8),
                      Array(#"{"hidden_size": 1e999}"#.utf8), [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], Array(#"{"architectures": ["\ud800"]}"#.utf8)] {
            #expect(throws: CheckpointError.self, "\(bytes.prefix(20))") { try ModelConfiguration.decode(Data(bytes)) }
        }
    }

    /// The case from issue 12: `max_position_embeddings: -5` segfaulted in release.
    @Test func negativeContextLimitThroughTheLoader() throws {
        let temp = try TemporaryDirectory()
        let copy = try temp.copy(qwen.directory, as: "model")
        let url = copy.appendingPathComponent("config.json")
        try config { $0["max_position_embeddings"] = -5 }.write(to: url)
        #expect(throws: CheckpointError.invalidField(file: url.path, field: "max_position_embeddings",
                                                     reason: "is -5; it must be between 1 and 16777216")) {
            try RewardModel(path: copy.path)
        }
    }
}

@Suite struct HostileSafeTensorsTests {
    /// Writes `header` (raw bytes) behind a stored length of `length` (the header's own by default)
    /// and `data` after it.
    private func write(header: Data, length: UInt64? = nil, data: Data = Data(count: 64), in temp: TemporaryDirectory) throws -> URL {
        var file = Data()
        withUnsafeBytes(of: (length ?? UInt64(header.count)).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        file.append(data)
        let url = temp.url.appendingPathComponent("hostile.safetensors")
        try file.write(to: url)
        return url
    }

    private func loadError(header: String, length: UInt64? = nil) throws -> CheckpointError? {
        try loadError(headerBytes: Data(header.utf8), length: length)
    }

    private func loadError(headerBytes: Data, length: UInt64? = nil) throws -> CheckpointError? {
        let temp = try TemporaryDirectory()
        let url = try write(header: headerBytes, length: length, in: temp)
        do {
            _ = try SafeTensorsFile(url: url)
            return nil
        } catch let error as CheckpointError {
            return error
        }
    }

    @Test(arguments: [UInt64.max, UInt64(Int.max), 1 << 63, 200_000_000, 0])
    func headerLengthOutOfRange(_ length: UInt64) throws {
        let error = try loadError(header: "{}", length: length)
        guard case .invalidField(_, "header length", _) = error else { Issue.record("\(length): \(String(describing: error))"); return }
    }

    @Test func headerLengthPastTheFile() throws {
        guard case .truncatedFile = try loadError(header: "{}", length: 1000) else { Issue.record("expected truncatedFile"); return }
    }

    @Test func shapeProductOverflow() throws {
        let error = try loadError(header: #"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}}"#)
        guard case .invalidField(_, "w.shape", let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason == "is [4294967296, 4294967296, 4]; its size overflows")
        // An overflow that wraps to exactly the span must not slip through either: 2^62 * 4 bytes wraps to 0.
        let wrapped = try loadError(header: #"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}"#)
        guard case .invalidField(_, "w.shape", _) = wrapped else { Issue.record("\(String(describing: wrapped))"); return }
    }

    @Test func offsetsOutOfRange() throws {
        for offsets in ["[-8,8]", "[16,8]", "[0,9223372036854775807]", "[9223372036854775800,9223372036854775807]"] {
            let error = try loadError(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":\#(offsets)}}"#)
            #expect(error != nil, "\(offsets)")
        }
        let past = try loadError(header: #"{"w":{"dtype":"F32","shape":[32],"data_offsets":[0,128]}}"#)
        guard case .truncatedFile = past else { Issue.record("\(String(describing: past))"); return }
    }

    @Test func malformedEntries() throws {
        for header in [#"[]"#, #"{"w":1}"#, #"{"w":{"dtype":"F32","shape":[1e999],"data_offsets":[0,4]}}"#,
                       #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, #"{"w":{"dtype":"F32","shape":"x","data_offsets":[0,4]}}"#,
                       #"{"w":"\ud800"}"#, String(repeating: "[", count: 100_000)] {
            let error = try loadError(header: header)
            guard case .malformedHeader = error else { Issue.record("\(header.prefix(60)): \(String(describing: error))"); continue }
        }
        let invalidUTF8 = try loadError(headerBytes: Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]))
        guard case .malformedHeader = invalidUTF8 else { Issue.record("\(String(describing: invalidUTF8))"); return }
    }
}

@Suite struct ShardConfinementTests {
    let llama = try! ParityFixture("llama-tiny")

    /// Copies the sharded fixture and points one tensor of its index at `shard`.
    private func loadError(shard: String, prepare: (URL) throws -> Void = { _ in }) throws -> CheckpointError? {
        let temp = try TemporaryDirectory()
        let copy = try temp.copy(llama.directory, as: "model")
        try prepare(copy)
        let indexURL = copy.appendingPathComponent("model.safetensors.index.json")
        var index = try JSONSerialization.jsonObject(with: Data(contentsOf: indexURL)) as! [String: Any]
        var map = index["weight_map"] as! [String: String]
        map["score.weight"] = shard
        index["weight_map"] = map
        try JSONSerialization.data(withJSONObject: index).write(to: indexURL)
        do {
            _ = try WeightStore(directory: copy)
            return nil
        } catch let error as CheckpointError {
            return error
        }
    }

    @Test(arguments: ["../model-00003-of-00003.safetensors", "sub/../../x.safetensors", "/etc/passwd", "..", ""])
    func namesOutsideTheDirectoryAreRefused(_ shard: String) throws {
        let error = try loadError(shard: shard) { copy in
            // A real file outside the model, so only confinement can refuse it.
            try FileManager.default.copyItem(at: copy.appendingPathComponent("model-00003-of-00003.safetensors"),
                                             to: copy.deletingLastPathComponent().appendingPathComponent("model-00003-of-00003.safetensors"))
        }
        guard case .invalidField(_, "weight_map", let reason) = error else { Issue.record("\(shard): \(String(describing: error))"); return }
        #expect(reason.contains("\"\(shard)\""))
    }

    @Test func malformedIndexIsAHeaderError() throws {
        for text in [String(repeating: "[", count: 100_000), #"{"weight_map": {"a": 1}}"#, #"{"weight_map": []}"#, "\u{FEFF}"] {
            let temp = try TemporaryDirectory()
            let copy = try temp.copy(llama.directory, as: "model")
            try Data(text.utf8).write(to: copy.appendingPathComponent("model.safetensors.index.json"))
            #expect("\(text.prefix(20))") {
                try WeightStore(directory: copy)
            } throws: { error in
                if case .malformedHeader = error as? CheckpointError { return true }
                return false
            }
        }
    }

    @Test func symlinkOutOfTheDirectoryIsRefused() throws {
        let error = try loadError(shard: "link.safetensors") { copy in
            let outside = copy.deletingLastPathComponent().appendingPathComponent("outside.safetensors")
            try FileManager.default.copyItem(at: copy.appendingPathComponent("model-00003-of-00003.safetensors"), to: outside)
            try FileManager.default.createSymbolicLink(atPath: copy.appendingPathComponent("link.safetensors").path,
                                                       withDestinationPath: outside.path)
        }
        guard case .invalidField(_, "weight_map", let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("outside the model directory"))
    }

    @Test func symlinkInsideTheDirectoryLoads() throws {
        let error = try loadError(shard: "link.safetensors") { copy in
            try FileManager.default.createSymbolicLink(atPath: copy.appendingPathComponent("link.safetensors").path,
                                                       withDestinationPath: "model-00003-of-00003.safetensors")
        }
        #expect(error == nil)
    }

    /// A FIFO in place of a shard would block `open` forever; it is refused as not a regular file.
    @Test func fifoShardIsRefused() throws {
        let error = try loadError(shard: "fifo.safetensors") { copy in
            #expect(mkfifo(copy.appendingPathComponent("fifo.safetensors").path, 0o600) == 0)
        }
        guard case .unreadableFile(_, "not a regular file") = error else { Issue.record("\(String(describing: error))"); return }
    }
}
