import Foundation

/// Element types a checkpoint may store. Compute is always float32; these are decoded on load.
public enum StorageType: String, Sendable {
    case bf16 = "BF16"
    case f16 = "F16"
    case f32 = "F32"

    public var byteWidth: Int { self == .f32 ? 4 : 2 }
}

/// One tensor inside a mapped safetensors file: its type, shape and bytes, not yet decoded.
/// `@unchecked Sendable`: a read-only view; `bytes` points into a `MappedFile` kept alive by
/// `file` and mapped read-only, so no thread can write through it.
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
        let headerLength = try SafeTensorsHeader.headerLength(file.base, fileSize: file.count, path: path)
        let headerData = Data(bytes: file.base + 8, count: headerLength)
        let dataStart = 8 + headerLength
        let entries = try SafeTensorsHeader.parse(headerData, dataLength: file.count - dataStart, path: path)
        var tensors: [String: TensorView] = [:]
        for entry in entries {
            tensors[entry.name] = TensorView(name: entry.name, storage: entry.storage, shape: entry.shape,
                                             bytes: file.base + dataStart + entry.begin, file: file)
        }
        self.file = file
        self.tensors = tensors
    }
}
