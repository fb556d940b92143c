import Foundation

/// What a model needs in memory before it loads: weights in each precision, the activation
/// workspace and the prefix cache planned for the configured limits. `RewardModel` refuses to
/// load when the machine cannot hold the plan; `winnow inspect` prints it.
public struct MemoryPlan: Sendable {
    /// Every tensor's element count, by how the engine holds it.
    public let parameterCount: Int
    public let linearParameterCount: Int
    /// Bytes of the checkpoint's tensors as stored (bf16 for Skywork checkpoints).
    public let storedBytes: Int
    /// Embedding table bytes: always left memory-mapped in the stored dtype.
    public let embeddingBytes: Int
    let embeddingParameterCount: Int
    /// Activation buffers for the longest pass, float32.
    public let workspaceBytes: Int
    /// Cached prefix keys/values at full use, float32.
    public let prefixCacheBytes: Int

    public init(configuration c: ModelConfiguration, store: WeightStore, options: RewardModel.Options, workers: Int) {
        var parameters = 0, linear = 0, stored = 0, embedding = 0, embeddingParameters = 0
        for view in store.tensors.values {
            parameters += view.elementCount
            stored += view.elementCount * view.storage.byteWidth
            if view.name == "model.embed_tokens.weight" {
                embedding = view.elementCount * view.storage.byteWidth
                embeddingParameters = view.elementCount
            } else if view.shape.count == 2 && view.name != "score.weight" {
                linear += view.elementCount
            }
        }
        parameterCount = parameters
        linearParameterCount = linear
        storedBytes = stored
        embeddingBytes = embedding
        embeddingParameterCount = embeddingParameters
        let maxLength = min(options.maxSequenceLength, c.maxPositionEmbeddings)
        let capacity = max(options.tokenBudget, maxLength)
        let qkvWidth = (c.headCount + 2 * c.keyValueHeadCount) * c.headDimension
        let attentionWidth = c.headCount * c.headDimension
        let mlpTile = min(1024, capacity)
        let widest = max(c.hiddenSize, c.intermediateSize, attentionWidth)
        let floats = capacity * (2 * c.hiddenSize + qkvWidth + attentionWidth)
            + mlpTile * 3 * c.intermediateSize
            + workers * AttentionScratch.floats(capacity: capacity, groupSize: c.headCount / c.keyValueHeadCount,
                                                headDimension: c.headDimension)
            + (options.weightPrecision == .bfloat16 ? 512 * widest : 0)
        let int8Scratch = options.compute == .int8 ? Int8Scratch.bytes(configuration: c) : 0
        workspaceBytes = floats * 4 + int8Scratch
        prefixCacheBytes = (maxLength + options.tokenBudget) * c.layerCount * 2 * c.keyValueHeadCount * c.headDimension * 4
    }

    /// Resident bytes of the weights in `precision`: linear layers in float32 or as stored,
    /// the rest (norms, score head) in float32, embeddings mapped as stored.
    public func weightBytes(_ precision: WeightPrecision) -> Int {
        let smallCount = parameterCount - linearParameterCount - embeddingParameterCount
        let small = smallCount * 4
        let linear = precision == .float32 ? linearParameterCount * 4 : storedBytes - embeddingBytes - smallCount * 2
        return linear + small + embeddingBytes
    }

    /// Resident bytes of the weights when the linear layers are quantized to int8 (one byte a
    /// parameter plus a scale and an offset per row, counted generously as 1% more).
    public var int8WeightBytes: Int {
        let smallCount = parameterCount - linearParameterCount - embeddingParameterCount
        return linearParameterCount + linearParameterCount / 100 + smallCount * 4 + embeddingBytes
    }

    /// Weights plus workspace plus a full prefix cache: the most the process can touch. With
    /// `compute` int8 the linear weights are int8 whatever `precision` says.
    public func peakBytes(_ precision: WeightPrecision, compute: ComputeMode = .float32) -> Int {
        (compute == .int8 ? int8WeightBytes : weightBytes(precision)) + workspaceBytes + prefixCacheBytes
    }

    /// Memory the kernel says can be used without swapping (MemAvailable), in bytes.
    public static var availableBytes: Int? {
        guard let info = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in info.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
        }
        return nil
    }
}

extension Int {
    /// `12.3 GiB` style.
    public var formattedBytes: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(self), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(self) B" : String(format: "%.1f %@", value, units[unit])
    }
}
