import Foundation
import WinnowJSON

/// One tensor named by a safetensors header, checked against the data section it indexes:
/// `begin..<end` lies inside it and holds exactly `shape`'s elements of `storage`.
public struct SafeTensorsEntry: Sendable, Equatable {
    public let name: String
    public let storage: StorageType
    public let shape: [Int]
    public let begin: Int
    public let end: Int
}

/// Reads and checks a safetensors header without touching tensor data.
///
/// Every size comes from the file: each sum and product here is computed with overflow reported,
/// so a hostile header is a typed error, not a trap that ends the process.
public enum SafeTensorsHeader {
    /// The safetensors library's own limit on the JSON header (100 MB).
    public static let maximumHeaderBytes = 100_000_000

    /// The header length stored in the first 8 bytes of a `fileSize`-byte mapping at `base`.
    public static func headerLength(_ base: UnsafeRawPointer, fileSize: Int, path: String) throws -> Int {
        guard fileSize >= 8 else { throw CheckpointError.truncatedFile(path, "shorter than its 8-byte header length") }
        let stored = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard stored > 0, stored <= UInt64(maximumHeaderBytes) else {
            throw CheckpointError.invalidField(file: path, field: "header length", reason: "is \(stored) bytes; it must be between 1 and \(maximumHeaderBytes)")
        }
        let length = Int(stored)
        guard length <= fileSize - 8 else {
            throw CheckpointError.truncatedFile(path, "header of \(length) bytes does not fit in \(fileSize) bytes")
        }
        return length
    }

    /// The tensors `header` (the JSON bytes) names, each checked to lie within a data section
    /// of `dataLength` bytes. `__metadata__` is skipped.
    public static func parse(_ header: Data, dataLength: Int, path: String) throws -> [SafeTensorsEntry] {
        let object: JSONValue
        do {
            object = try JSONValue(jsonBytes: header)
        } catch {
            throw CheckpointError.malformedHeader(path, "the header is not JSON (\(error))")
        }
        guard case .object(let header) = object else {
            throw CheckpointError.malformedHeader(path, "the header is not a JSON object")
        }
        var entries: [SafeTensorsEntry] = []
        for (name, value) in header where name != "__metadata__" {
            guard let dtypeName = value["dtype"]?.string,
                  let shape = integers(value["shape"]),
                  let offsets = integers(value["data_offsets"]), offsets.count == 2
            else { throw CheckpointError.malformedHeader(path, "entry \(name) lacks dtype, shape or data_offsets") }
            guard let storage = StorageType(rawValue: dtypeName) else {
                throw CheckpointError.unsupportedDType(tensor: name, dtype: dtypeName)
            }
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError.invalidField(file: path, field: "\(name).shape", reason: "is \(shape); dimensions cannot be negative")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin else {
                throw CheckpointError.invalidField(file: path, field: "\(name).data_offsets", reason: "is [\(begin), \(end)]; offsets must be ascending and not negative")
            }
            guard let expectedBytes = byteCount(shape: shape, width: storage.byteWidth) else {
                throw CheckpointError.invalidField(file: path, field: "\(name).shape", reason: "is \(shape); its size overflows")
            }
            guard end - begin == expectedBytes else {
                throw CheckpointError.malformedHeader(path, "entry \(name) spans \(end - begin) bytes, its shape \(shape) needs \(expectedBytes)")
            }
            guard end <= dataLength else {
                throw CheckpointError.truncatedFile(path, "tensor \(name) ends at byte \(end) of a \(dataLength)-byte data section")
            }
            entries.append(SafeTensorsEntry(name: name, storage: storage, shape: shape, begin: begin, end: end))
        }
        return entries.sorted { $0.begin < $1.begin }
    }

    /// `product(shape) * width`, or nil when it overflows an Int.
    public static func byteCount(shape: [Int], width: Int) -> Int? {
        var total = width
        for dimension in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// A JSON array of whole numbers, or nil for anything else (fractions, booleans, numbers
    /// beyond 9e15, which no tensor has).
    private static func integers(_ value: JSONValue?) -> [Int]? {
        guard case .array(let items)? = value else { return nil }
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let whole = item.int else { return nil }
            out.append(whole)
        }
        return out
    }
}
