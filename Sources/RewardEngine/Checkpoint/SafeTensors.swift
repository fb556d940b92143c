import Foundation

/// Element types a checkpoint may store. Compute is always float32; these are decoded on load.
public enum StorageType: String, Sendable {
    case bf16 = "BF16"
    case f16 = "F16"
    case f32 = "F32"

    public var byteWidth: Int { self == .f32 ? 4 : 2 }
}

/// One tensor inside a mapped safetensors file: its type, shape and bytes, not yet decoded.
public struct TensorView: @unchecked Sendable {
    public let name: String
    public let storage: StorageType
    public let shape: [Int]
    /// Start of the tensor's bytes inside the mapping (kept alive by `file`).
    public let bytes: UnsafeRawPointer
    let file: MappedFile

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// naming every tensor's dtype, shape and byte range, then the raw little-endian data.
public struct SafeTensorsFile: Sendable {
    public let file: MappedFile
    public let tensors: [String: TensorView]

    public init(url: URL) throws {
        let file = try MappedFile(url: url)
        let path = url.path
        guard file.count >= 8 else { throw CheckpointError.truncatedFile(path, "shorter than its 8-byte header length") }
        let headerLength = Int(UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self)))
        guard headerLength > 0, headerLength <= file.count - 8 else {
            throw CheckpointError.truncatedFile(path, "header of \(headerLength) bytes does not fit in \(file.count) bytes")
        }
        let headerData = Data(bytes: file.base + 8, count: headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw CheckpointError.malformedHeader(path, "the header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataLength = file.count - dataStart
        var tensors: [String: TensorView] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let entry = entry as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw CheckpointError.malformedHeader(path, "entry \(name) lacks dtype, shape or data_offsets") }
            guard let storage = StorageType(rawValue: dtypeName) else {
                throw CheckpointError.unsupportedDType(tensor: name, dtype: dtypeName)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard shape.allSatisfy({ $0 >= 0 }), begin >= 0, end >= begin else {
                throw CheckpointError.malformedHeader(path, "entry \(name) has a negative shape or reversed offsets")
            }
            let expectedBytes = shape.reduce(1, *) * storage.byteWidth
            guard end - begin == expectedBytes else {
                throw CheckpointError.malformedHeader(path, "entry \(name) spans \(end - begin) bytes, its shape \(shape) needs \(expectedBytes)")
            }
            guard end <= dataLength else {
                throw CheckpointError.truncatedFile(path, "tensor \(name) ends at byte \(end) of a \(dataLength)-byte data section")
            }
            tensors[name] = TensorView(name: name, storage: storage, shape: shape,
                                       bytes: file.base + dataStart + begin, file: file)
        }
        self.file = file
        self.tensors = tensors
    }
}
