import CKernels

/// SwiGLU: `out[r][i] = silu(gate[r][i]) · up[r][i]`, reading the fused `[gate | up]` rows
/// that one GEMM produced (`gateUp[rows x 2·width]`).
func swiGLU(gateUp: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>, pool: ComputePool) {
    pool.parallelFor(rows, minimumPerWorker: 4) { r in
        wn_swiglu_row(gateUp + r * 2 * width, Int32(width), out + r * width)
    }
}

/// GeGLU with the tanh GELU: `out[r][i] = gelu_tanh(gate[r][i]) · up[r][i]` (Gemma).
func geGLU(gateUp: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>, pool: ComputePool) {
    pool.parallelFor(rows, minimumPerWorker: 4) { r in
        wn_geglu_row(gateUp + r * 2 * width, Int32(width), out + r * width)
    }
}

/// The gated MLP activation a configuration names.
func gatedActivation(_ activation: ModelConfiguration.Activation, gateUp: UnsafePointer<Float>, rows: Int, width: Int,
                     into out: UnsafeMutablePointer<Float>, pool: ComputePool) {
    switch activation {
    case .silu: swiGLU(gateUp: gateUp, rows: rows, width: width, into: out, pool: pool)
    case .geluTanh: geGLU(gateUp: gateUp, rows: rows, width: width, into: out, pool: pool)
    }
}
