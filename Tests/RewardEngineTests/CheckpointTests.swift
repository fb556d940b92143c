import Foundation
import Testing
@testable import RewardEngine

@Suite struct CheckpointTests {
    let qwen = try! ParityFixture("qwen3-tiny")
    let llama = try! ParityFixture("llama-tiny")

    /// Re-stored as float32 and float16, the same weights give the same scores.
    @Test(arguments: ["F32", "F16"])
    func otherStorageTypes(_ dtype: String) throws {
        let temp = try TemporaryDirectory()
        let directory = temp.url.appendingPathComponent("qwen3-\(dtype)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: qwen.directory.appendingPathComponent("config.json"),
                                         to: directory.appendingPathComponent("config.json"))
        let store = try WeightStore(directory: qwen.directory)
        try SafeTensorsWriter.write(SafeTensorsWriter.reencode(store, as: dtype),
                                    to: directory.appendingPathComponent("model.safetensors"))
        #expect(try WeightStore(directory: directory).tensors.values.allSatisfy { $0.storage.rawValue == dtype })
        let model = try RewardModel(path: directory.path)
        let scores = try model.score(qwen.sequences.map(\.input_ids))
        for (score, sequence) in zip(scores, qwen.sequences) {
            #expect(ParityFixture.relativeError(score, sequence.score) <= 1e-3)
        }
    }

    /// `models--ORG--NAME/snapshots/REV/` with files symlinked into `blobs/`, `refs/main`.
    @Test func huggingFaceCacheLayout() throws {
        let temp = try TemporaryDirectory()
        let fm = FileManager.default
        let entry = temp.url.appendingPathComponent("models--Skywork--tiny-llama")
        let revision = "0123456789abcdef0123456789abcdef01234567"
        let snapshot = entry.appendingPathComponent("snapshots/\(revision)")
        let blobs = entry.appendingPathComponent("blobs")
        try fm.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try fm.createDirectory(at: blobs, withIntermediateDirectories: true)
        try fm.createDirectory(at: entry.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try Data((revision + "\n").utf8).write(to: entry.appendingPathComponent("refs/main"))
        for (i, file) in try fm.contentsOfDirectory(atPath: llama.directory.path).enumerated() {
            let blob = blobs.appendingPathComponent("blob\(i)")
            try fm.copyItem(at: llama.directory.appendingPathComponent(file), to: blob)
            try fm.createSymbolicLink(atPath: snapshot.appendingPathComponent(file).path,
                                      withDestinationPath: "../../blobs/blob\(i)")
        }
        for path in [entry.path, snapshot.path] {
            let directory = try ModelDirectory(path: path)
            #expect(directory.revision == revision)
            #expect(directory.name == "Skywork/tiny-llama")
            let model = try RewardModel(directory: directory)
            let score = try model.score([llama.sequences[3].input_ids])[0]
            #expect(ParityFixture.relativeError(score, llama.sequences[3].score) <= 1e-3)
        }
    }

    @Test func bothConfigLayoutsReadTheSameRoPE() throws {
        let legacy = try ModelConfiguration.load(from: llama.directory.appendingPathComponent("config.json"))
        #expect(legacy.rope == RoPEParameters(theta: 500000, scaling: .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 64)))
        let modern = try ModelConfiguration.load(from: qwen.directory.appendingPathComponent("config.json"))
        #expect(modern.rope == RoPEParameters(theta: 1e6, scaling: .none))
        #expect(modern.headDimension == 48)
        #expect(modern.padTokenID == 0)
    }

    // MARK: - Errors a user can act on

    /// Copies the qwen fixture, lets `edit` change its config, and returns the load error.
    private func loadError(editingConfig edit: (inout [String: Any]) -> Void) throws -> CheckpointError? {
        let temp = try TemporaryDirectory()
        let copy = try temp.copy(qwen.directory, as: "model")
        let configURL = copy.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        do {
            _ = try RewardModel(path: copy.path)
            return nil
        } catch let error as CheckpointError {
            return error
        }
    }

    @Test func unsupportedArchitecture() throws {
        let error = try loadError { $0["architectures"] = ["MistralForCausalLM"] }
        #expect(error == .unsupportedArchitecture("MistralForCausalLM"))
        #expect(error?.description.contains("Qwen3ForSequenceClassification") == true)
    }

    @Test func shapeMismatchNamesTheTensor() throws {
        let error = try loadError { $0["intermediate_size"] = 300 }
        #expect(error == .shapeMismatch(tensor: "model.layers.0.mlp.gate_proj.weight", expected: [300, 128], found: [256, 128]))
    }

    @Test func unsupportedRoPEScaling() throws {
        let error = try loadError { $0["rope_parameters"] = ["rope_type": "yarn", "rope_theta": 10000, "factor": 4] }
        #expect(error == .unsupportedRoPE("yarn"))
    }

    @Test func moreThanOneLabelIsNotARewardModel() throws {
        let error = try loadError { $0["id2label"] = ["0": "A", "1": "B"] }
        guard case .invalidConfiguration = error else { Issue.record("expected invalidConfiguration, got \(String(describing: error))"); return }
    }

    @Test func refusesWhatTheMachineCannotHold() throws {
        var options = RewardModel.Options()
        options.availableMemory = 1 << 20
        #expect {
            try RewardModel(path: qwen.directory.path, options: options)
        } throws: { error in
            guard case .insufficientMemory(let needed, let available, "float32") = error as? CheckpointError else { return false }
            return needed > available && (error as! CheckpointError).description.contains("--weights bfloat16")
        }
        options.availableMemory = 1 << 30
        let model = try RewardModel(path: qwen.directory.path, options: options)
        #expect(model.memoryPlan.peakBytes(.bfloat16) < model.memoryPlan.peakBytes(.float32))
        #expect(model.memoryPlan.parameterCount == (try WeightStore(directory: qwen.directory)).tensors.values.reduce(0) { $0 + $1.elementCount })
    }

    @Test func missingTensor() throws {
        let temp = try TemporaryDirectory()
        let copy = try temp.copy(qwen.directory, as: "model")
        let store = try WeightStore(directory: qwen.directory)
        let kept = SafeTensorsWriter.reencode(store, as: "F32").filter { $0.name != "score.weight" }
        try SafeTensorsWriter.write(kept, to: copy.appendingPathComponent("model.safetensors"))
        #expect(throws: CheckpointError.missingTensor("score.weight")) { try RewardModel(path: copy.path) }
    }

    @Test func unsupportedDType() throws {
        let temp = try TemporaryDirectory()
        let url = temp.url.appendingPathComponent("int8.safetensors")
        try SafeTensorsWriter.write([.init(name: "w", dtype: "I8", shape: [4], bytes: Data([1, 2, 3, 4]))], to: url)
        #expect(throws: CheckpointError.unsupportedDType(tensor: "w", dtype: "I8")) { try SafeTensorsFile(url: url) }
    }

    @Test func truncatedFile() throws {
        let temp = try TemporaryDirectory()
        let copy = try temp.copy(qwen.directory, as: "model")
        let weights = copy.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count - 1000).write(to: weights)
        #expect {
            try RewardModel(path: copy.path)
        } throws: { error in
            guard case .truncatedFile = error as? CheckpointError else { return false }
            return true
        }
    }

    @Test func missingShardIsNamed() throws {
        let temp = try TemporaryDirectory()
        let copy = try temp.copy(llama.directory, as: "model")
        let shard = copy.appendingPathComponent("model-00002-of-00003.safetensors")
        try FileManager.default.removeItem(at: shard)
        #expect(throws: CheckpointError.missingFile(shard.path)) { try RewardModel(path: copy.path) }
    }

    @Test func notAModelDirectory() throws {
        let temp = try TemporaryDirectory()
        #expect(throws: CheckpointError.missingFile(temp.url.appendingPathComponent("config.json").path)) {
            try ModelDirectory(path: temp.url.path)
        }
        #expect(throws: CheckpointError.notADirectory("/nonexistent/model")) { try ModelDirectory(path: "/nonexistent/model") }
    }
}

@Suite struct ScoringInputTests {
    let model = try! RewardModel(path: ParityFixture("qwen3-tiny").directory.path,
                                 options: .init(maxSequenceLength: 256))

    @Test func emptySequence() {
        #expect(throws: ScoringError.emptySequence(index: 1)) { try model.score([[1, 2], []]) }
    }

    @Test func tokenOutsideVocabulary() {
        #expect(throws: ScoringError.tokenOutOfRange(index: 0, token: 512, vocabularySize: 512)) { try model.score([[1, 512]]) }
        #expect(throws: ScoringError.tokenOutOfRange(index: 0, token: -1, vocabularySize: 512)) { try model.score([[-1]]) }
    }

    @Test func overLengthSequence() {
        #expect(throws: ScoringError.sequenceTooLong(index: 0, length: 257, limit: 256)) {
            try model.score([[Int32](repeating: 5, count: 257)])
        }
    }

    @Test func noSequencesNoScores() throws {
        #expect(try model.score([]).isEmpty)
    }
}
