import CKernels
import Foundation

/// Every tensor of a checkpoint, across one file or the shards named by
/// `model.safetensors.index.json`, addressed by its Hugging Face name.
public struct WeightStore: Sendable {
    public let tensors: [String: TensorView]

    /// Opens `model.safetensors`, or the shards listed by `model.safetensors.index.json`.
    public init(directory: URL) throws {
        let fm = FileManager.default
        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if fm.fileExists(atPath: index.path) {
            let shardIndex = try ShardIndex(url: index, directory: directory)
            var merged: [String: TensorView] = [:]
            for file in shardIndex.shards {
                for (name, view) in try SafeTensorsFile(url: file).tensors { merged[name] = view }
            }
            for (name, shard) in shardIndex.weightMap where merged[name] == nil {
                throw CheckpointError.malformedHeader(index.path, "weight_map names \(name) in \(shard), which does not hold it")
            }
            tensors = merged
        } else if fm.fileExists(atPath: single.path) {
            tensors = try SafeTensorsFile(url: single).tensors
        } else {
            throw CheckpointError.missingFile(single.path + " (or model.safetensors.index.json)")
        }
    }

    public func view(_ name: String, shape: [Int]) throws -> TensorView {
        guard let view = tensors[name] else { throw CheckpointError.missingTensor(name) }
        guard view.shape == shape else { throw CheckpointError.shapeMismatch(tensor: name, expected: shape, found: view.shape) }
        return view
    }

    /// Decodes a tensor into newly allocated float32 memory (row-major, as stored).
    public func floats(_ name: String, shape: [Int]) throws -> FloatBuffer {
        let view = try view(name, shape: shape)
        let buffer = FloatBuffer(count: view.elementCount)
        decode(view, into: buffer.pointer, count: view.elementCount)
        return buffer
    }

    public func contains(_ name: String) -> Bool { tensors[name] != nil }
}

/// Decodes `count` elements of `view` starting at element `offset` into float32.
@inline(__always)
func decode(_ view: TensorView, into out: UnsafeMutablePointer<Float>, count: Int, offset: Int = 0) {
    switch view.storage {
    case .f32:
        memcpy(out, view.bytes + offset * 4, count * 4)
    case .bf16:
        wn_bf16_to_f32((view.bytes + offset * 2).assumingMemoryBound(to: UInt16.self), out, count)
    case .f16:
        let source = (view.bytes + offset * 2).assumingMemoryBound(to: UInt16.self)
        for i in 0..<count { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: source[i]))) }
    }
}
