/// SIMD helpers shared by the kernels. Loads and stores are unaligned so any row offset works.
typealias Vector8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> Vector8 {
    UnsafeRawPointer(p).loadUnaligned(as: Vector8.self)
}

@inline(__always) func store8(_ v: Vector8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector8.self)
}

/// e^x for eight lanes: Cephes' range reduction and degree-6 polynomial, ~1 ulp over the
/// float range, clamped so large negative inputs give 0 and large positive ones +inf-free.
@inline(__always) func exp8(_ x: Vector8) -> Vector8 {
    let x = x.clamped(lowerBound: Vector8(repeating: -87.3), upperBound: Vector8(repeating: 88.3))
    let log2e: Float = 1.44269504088896341
    var n = (x * log2e).rounded(.toNearestOrEven)
    var r = x - n * 0.693359375
    r = r - n * (-2.12194440e-4)
    let r2 = r * r
    var p = Vector8(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r2 + r + 1
    // Scale by 2^n through the exponent bits.
    n = n + 127
    let bits = SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int32>(n)) &<< 23
    return p * Vector8(bitPattern: SIMD8<UInt32>(truncatingIfNeeded: bits))
}

/// Scalar e^x with the same accuracy, for loop tails.
@inline(__always) func exp1(_ x: Float) -> Float {
    exp8(Vector8(repeating: x))[0]
}

extension Vector8 {
    @inline(__always) init(bitPattern bits: SIMD8<UInt32>) {
        self = unsafeBitCast(bits, to: Vector8.self)
    }
}
