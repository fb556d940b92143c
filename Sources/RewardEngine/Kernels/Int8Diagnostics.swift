import CKernels
import Foundation

// TEMPORARY (issue 13 fidelity study; removed before merge): WINNOW_INT8_FLOAT=qkv,o,gateup,down keeps
// those linears in float32 under --compute int8; WINNOW_INT8_ONLY=weights|activations quantizes only
// one side (the other stays float32, the product runs in float32 sgemm).
enum Int8Diagnostics {
    static let floatKinds = Set((ProcessInfo.processInfo.environment["WINNOW_INT8_FLOAT"] ?? "").split(separator: ",").map(String.init))
    static let only = ProcessInfo.processInfo.environment["WINNOW_INT8_ONLY"] ?? ""

    static let rotateKinds = Set((ProcessInfo.processInfo.environment["WINNOW_INT8_ROTATE"] ?? "").split(separator: ",").map(String.init))

    static func format(_ f: WeightFormat, kind: String, layer: Int) -> WeightFormat {
        guard case .int8(let zeroPoint, _) = f else { return f }
        return floatKinds.contains(kind) || floatKinds.contains("L\(layer)") || floatKinds.contains("L\(layer).\(kind)") ? .float32 : .int8(zeroPoint: zeroPoint, rotated: rotateKinds.contains(kind))
    }

    /// Quantizes each row of input like int8Linear and dequantizes it into a new buffer.
    static func fakeQuantizedActivations(_ input: UnsafePointer<Float>, rows: Int, columns: Int, levels: Int32) -> FloatBuffer {
        let out = FloatBuffer(uninitializedCount: max(1, rows * columns))
        let q = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, columns))
        defer { q.deallocate() }
        var scale: Float = 0
        for r in 0..<rows {
            wn_quantize_rows_u8(input + r * columns, 1, Int32(columns), Int32(columns), levels, q, &scale)
            for c in 0..<columns { out[r * columns + c] = Float(Int32(q[c]) - levels - 1) * scale }
        }
        return out
    }
}
