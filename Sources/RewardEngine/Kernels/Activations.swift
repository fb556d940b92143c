import CKernels

/// The gated MLP activation a configuration names, on one fused `[gate | up]` row (`2·width`
/// floats): SwiGLU, `out[i] = silu(gate[i]) · up[i]`, or GeGLU with the tanh GELU (Gemma),
/// `out[i] = gelu_tanh(gate[i]) · up[i]`.
@inline(__always)
func gatedActivationRow(_ activation: ModelConfiguration.Activation, gateUp: UnsafePointer<Float>, width: Int,
                        into out: UnsafeMutablePointer<Float>) {
    switch activation {
    case .silu: wn_swiglu_row(gateUp, Int32(width), out)
    case .geluTanh: wn_geglu_row(gateUp, Int32(width), out)
    }
}

/// `gatedActivationRow` over the `[rows x 2·width]` rows one gate/up GEMM produced, on the workers.
func gatedActivation(_ activation: ModelConfiguration.Activation, gateUp: UnsafePointer<Float>, rows: Int, width: Int,
                     into out: UnsafeMutablePointer<Float>, pool: ComputePool) {
    pool.parallelFor(rows, minimumPerWorker: 4) { r in
        gatedActivationRow(activation, gateUp: gateUp + r * 2 * width, width: width, into: out + r * width)
    }
}
