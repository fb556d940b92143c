/// Every activation buffer a forward pass needs, sized once for `capacity` packed tokens.
/// The hot loop allocates nothing; pages become resident only as passes first use them.
final class Workspace {
    let capacity: Int
    /// Rows of the MLP processed per GEMM tile: the MLP is per token, so its wide
    /// intermediate activations need only `mlpTile` rows, not `capacity`.
    let mlpTile: Int

    let hidden: FloatBuffer       // [capacity x hidden], the residual stream
    let normed: FloatBuffer       // [capacity x hidden]
    let qkv: FloatBuffer          // [capacity x (heads + 2·kvHeads)·headDim]
    let attention: FloatBuffer    // [capacity x heads·headDim]
    let gateUp: FloatBuffer       // [mlpTile x 2·intermediate]
    let activated: FloatBuffer    // [mlpTile x intermediate]
    /// Widened weight rows when weights stay mapped in bf16; quantized activations and int32
    /// products in the int8 mode.
    let weightTile: WeightScratch
    /// One attention scratch (gathered queries, scores, outputs of a query-head group) per worker.
    let attentionScratch: [AttentionScratch]

    init(capacity: Int, configuration c: ModelConfiguration, workers: Int, mlpTile: Int = 1024,
         compute: ComputeChoice? = nil, pool: ComputePool? = nil) {
        self.capacity = capacity
        self.mlpTile = min(mlpTile, capacity)
        let qkvWidth = (c.headCount + 2 * c.keyValueHeadCount) * c.headDimension
        hidden = FloatBuffer(uninitializedCount: capacity * c.hiddenSize)
        normed = FloatBuffer(uninitializedCount: capacity * c.hiddenSize)
        qkv = FloatBuffer(uninitializedCount: capacity * qkvWidth)
        attention = FloatBuffer(uninitializedCount: capacity * c.headCount * c.headDimension)
        gateUp = FloatBuffer(uninitializedCount: self.mlpTile * 2 * c.intermediateSize)
        activated = FloatBuffer(uninitializedCount: self.mlpTile * c.intermediateSize)
        let widest = max(c.hiddenSize, c.intermediateSize, c.headCount * c.headDimension)
        var int8: Int8Scratch?
        if let compute, compute.running == .int8, let pool {
            int8 = Int8Scratch(configuration: c, choice: compute, pool: pool)
        }
        weightTile = WeightScratch(tileRows: 512, maxColumns: widest, int8: int8)
        let groupSize = c.headCount / c.keyValueHeadCount
        attentionScratch = (0..<workers).map { _ in
            AttentionScratch(capacity: capacity, groupSize: groupSize, headDimension: c.headDimension)
        }
    }
}
