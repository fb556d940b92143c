import Foundation
import RewardEngine

/// The parts of a model directory read before any weight: a safetensors file's first bytes
/// (8-byte header length, JSON header, data) and config.json. The first input byte picks which.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let body = UnsafeRawPointer(bytes + 1)
    let size = count - 1
    if bytes[0] & 1 == 0 {
        // A safetensors file held in memory, as SafeTensorsFile reads a mapping.
        guard let length = try? SafeTensorsHeader.headerLength(body, fileSize: size, path: "fuzz.safetensors") else { return 0 }
        let header = Data(bytes: body + 8, count: length)
        _ = try? SafeTensorsHeader.parse(header, dataLength: size - 8 - length, path: "fuzz.safetensors")
    } else {
        _ = try? ModelConfiguration.decode(Data(bytes: body, count: size))
    }
    return 0
}
