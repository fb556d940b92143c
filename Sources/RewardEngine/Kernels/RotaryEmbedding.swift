import CKernels
import Foundation

/// Rotary position embeddings in Hugging Face's "rotate half" layout: dimension `i` of a head
/// is paired with `i + headDim/2`. Cos/sin are tabulated once per position up to the model's
/// context limit, computed from float32 frequencies exactly as transformers derives them.
public struct RotaryEmbedding: Sendable {
    public let headDimension: Int
    public let positions: Int
    /// `[positions x headDimension/2]` cos and sin of `position · inv_freq[i]`.
    private let cosTable: FloatBuffer
    private let sinTable: FloatBuffer

    public init(headDimension: Int, positions: Int, parameters: RoPEParameters) {
        self.headDimension = headDimension
        self.positions = positions
        let half = headDimension / 2
        let inverseFrequencies = Self.inverseFrequencies(headDimension: headDimension, parameters: parameters)
        cosTable = FloatBuffer(count: positions * half)
        sinTable = FloatBuffer(count: positions * half)
        for p in 0..<positions {
            for i in 0..<half {
                // transformers multiplies in float32, then takes cos/sin of that float32 angle.
                let angle = Float(p) * inverseFrequencies[i]
                cosTable[p * half + i] = Float(cos(Double(angle)))
                sinTable[p * half + i] = Float(sin(Double(angle)))
            }
        }
    }

    /// `inv_freq[i] = 1 / theta^(2i/d)`, then Llama 3.1's frequency-dependent rescaling
    /// (transformers' `_compute_llama3_parameters`) where configured.
    static func inverseFrequencies(headDimension d: Int, parameters: RoPEParameters) -> [Float] {
        var inverse = (0..<d / 2).map { i -> Float in
            let exponent = Float(2 * i) / Float(d)
            return Float(1.0 / pow(parameters.theta, Double(exponent)))
        }
        if case let .llama3(factor, low, high, original) = parameters.scaling {
            let lowWavelength = Double(original) / low
            let highWavelength = Double(original) / high
            inverse = inverse.map { f in
                let wavelength = 2 * Double.pi / Double(f)
                if wavelength < highWavelength { return f }
                if wavelength > lowWavelength { return Float(Double(f) / factor) }
                let smooth = (Double(original) / wavelength - low) / (high - low)
                return Float((1 - smooth) * Double(f) / factor + smooth * Double(f))
            }
        }
        return inverse
    }

    /// Rotates `heads` consecutive heads of one token in place, at `position`.
    @inline(__always)
    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        let half = headDimension / 2
        wn_rope(x, Int32(heads), Int32(headDimension), cosTable.pointer + position * half, sinTable.pointer + position * half)
    }
}
