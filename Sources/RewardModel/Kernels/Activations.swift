import CKernels

/// SwiGLU: `out[r][i] = silu(gate[r][i]) · up[r][i]`, reading the fused `[gate | up]` rows
/// that one GEMM produced (`gateUp[rows x 2·width]`).
func swiGLU(gateUp: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>, pool: ComputePool) {
    pool.parallelFor(rows, minimumPerWorker: 4) { r in
        wn_swiglu_row(gateUp + r * 2 * width, Int32(width), out + r * width)
    }
}
