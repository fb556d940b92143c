import ArgumentParser
import ChatText
import Foundation
import RewardEngine

/// `winnow inspect`: what a checkpoint is and what it needs, without loading its weights.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint: architecture, parameters, text files, and the memory each weight mode needs.")

    @Option(name: .long, help: "Hugging Face model directory, or a cache entry models--ORG--NAME.")
    var model: String

    @Option(name: .long, help: "Most tokens packed into one forward pass.")
    var tokenBudget: Int = 4096

    @Option(name: .long, help: "Longest sequence accepted, in tokens.")
    var maxLength: Int = 16384

    @Option(name: .long, help: "Threads (each has its own attention scratch).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let directory: ModelDirectory, configuration: ModelConfiguration, store: WeightStore
        do {
            directory = try ModelDirectory(path: model)
            configuration = try ModelConfiguration.load(from: directory.file("config.json"))
            store = try WeightStore(directory: directory.url)
        } catch let error as CheckpointError {
            throw CommandFailure("cannot read model \(model): \(error)")
        }
        let plans = WeightPrecision.allCases.map { precision -> (WeightPrecision, MemoryPlan) in
            let options = RewardModel.Options(threads: threads, tokenBudget: tokenBudget, maxSequenceLength: maxLength,
                                              weightPrecision: precision)
            return (precision, MemoryPlan(configuration: configuration, store: store, options: options, workers: threads))
        }
        let plan = plans[0].1
        let available = MemoryPlan.availableBytes
        let dtypes = Set(store.tensors.values.map(\.storage.rawValue)).sorted()
        let text = try? ChatEncoder(directory: directory.url)
        let c = configuration
        let compute = ComputeEnvironment.current(threads: threads)
        // What each compute mode would run here (int8 opens oneDNN to find out).
        let computeModes = ComputeMode.allCases.map { ComputeChoice.resolve($0, threads: threads) }
        if json {
            var modes: [String: Any] = [:]
            for (precision, p) in plans {
                modes[precision.rawValue] = ["weights_bytes": p.weightBytes(precision), "workspace_bytes": p.workspaceBytes,
                                             "prefix_cache_bytes": p.prefixCacheBytes, "peak_bytes": p.peakBytes(precision),
                                             "fits": available.map { p.peakBytes(precision) <= $0 } ?? true]
            }
            let int8Plan = MemoryPlan(configuration: configuration, store: store,
                                      options: .init(threads: threads, tokenBudget: tokenBudget, maxSequenceLength: maxLength,
                                                     compute: .int8), workers: threads)
            modes["int8"] = ["weights_bytes": int8Plan.int8WeightBytes, "workspace_bytes": int8Plan.workspaceBytes,
                             "prefix_cache_bytes": int8Plan.prefixCacheBytes,
                             "peak_bytes": int8Plan.peakBytes(.float32, compute: .int8),
                             "fits": available.map { int8Plan.peakBytes(.float32, compute: .int8) <= $0 } ?? true]
            let report: [String: Any] = [
                "model": directory.name, "revision": directory.revision as Any? ?? NSNull(),
                "architecture": c.architecture, "layers": c.layerCount, "hidden_size": c.hiddenSize,
                "attention_heads": c.headCount, "key_value_heads": c.keyValueHeadCount, "head_dim": c.headDimension,
                "intermediate_size": c.intermediateSize, "vocab_size": c.vocabularySize,
                "sliding_window_layers": c.slidingLayers.filter { $0 }.count, "parameters": plan.parameterCount,
                "stored_dtypes": dtypes, "stored_bytes": plan.storedBytes, "tokenizer": text != nil,
                "chat_template": text?.hasChatTemplate ?? false, "max_length": min(maxLength, c.maxPositionEmbeddings),
                "available_bytes": available as Any? ?? NSNull(), "memory": modes,
                "compute": Dictionary(uniqueKeysWithValues: compute.fields.map { ($0.key, $0.value as Any) }),
                "compute_modes": Dictionary(uniqueKeysWithValues: computeModes.map {
                    ($0.requested.rawValue, ["runs": $0.running.rawValue, "detail": $0.detail] as Any)
                }),
            ]
            print(JSON.encode(report))
            return
        }
        for line in compute.lines { print(line) }
        for mode in computeModes { print("  --compute \(mode.requested.rawValue): \(mode)") }
        print("model              \(directory.name)\(directory.revision.map { " @ \($0)" } ?? "")")
        print("architecture       \(c.architecture)")
        print("shape              \(c.layerCount) layers, hidden \(c.hiddenSize), \(c.headCount) heads / \(c.keyValueHeadCount) kv heads of \(c.headDimension), intermediate \(c.intermediateSize), vocab \(c.vocabularySize)")
        if c.slidingLayers.contains(true), let window = c.slidingWindow {
            print("attention          \(c.slidingLayers.filter { $0 }.count) of \(c.layerCount) layers slide over \(window) tokens\(c.attentionLogitSoftcap.map { ", logits soft-capped at \($0)" } ?? "")")
        }
        print("parameters         \(String(format: "%.2f", Double(plan.parameterCount) / 1e9)) B, stored as \(dtypes.joined(separator: "/")) (\(plan.storedBytes.formattedBytes))")
        print("text               \(text == nil ? "no tokenizer.json (input_ids only)" : "tokenizer.json\(text!.hasChatTemplate ? " + chat template" : ", no chat template")")")
        print("limits             \(min(maxLength, c.maxPositionEmbeddings)) tokens per sequence, \(tokenBudget) per pass, \(threads) threads")
        print("memory             weights + activations + prefix cache = peak")
        for (precision, p) in plans {
            let peak = p.peakBytes(precision)
            let verdict = available.map { peak <= $0 ? "fits" : "does NOT fit" } ?? ""
            print("  \(precision.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))        \(p.weightBytes(precision).formattedBytes) + \(p.workspaceBytes.formattedBytes) + \(p.prefixCacheBytes.formattedBytes) = \(peak.formattedBytes)  \(verdict)")
        }
        let int8Plan = MemoryPlan(configuration: configuration, store: store,
                                  options: .init(threads: threads, tokenBudget: tokenBudget, maxSequenceLength: maxLength,
                                                 compute: .int8), workers: threads)
        let int8Peak = int8Plan.peakBytes(.float32, compute: .int8)
        print("  int8 (--compute) \(int8Plan.int8WeightBytes.formattedBytes) + \(int8Plan.workspaceBytes.formattedBytes) + \(int8Plan.prefixCacheBytes.formattedBytes) = \(int8Peak.formattedBytes)  \(available.map { int8Peak <= $0 ? "fits" : "does NOT fit" } ?? "")")
        if let available { print("available          \(available.formattedBytes) (MemAvailable)") }
    }
}
