/// SwiGLU: `out[r][i] = silu(gate[r][i]) · up[r][i]`, reading the fused `[gate | up]` rows
/// that one GEMM produced (`gateUp[rows x 2·width]`).
func swiGLU(gateUp: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>, pool: ComputePool) {
    pool.parallelFor(rows, minimumPerWorker: 4) { r in
        let gate = gateUp + r * 2 * width, up = gate + width, y = out + r * width
        var i = 0
        while i + 8 <= width {
            let g = load8(gate + i)
            store8(g / (1 + exp8(-g)) * load8(up + i), y + i)
            i += 8
        }
        while i < width {
            let g = gate[i]
            y[i] = g / (1 + exp1(-g)) * up[i]
            i += 1
        }
    }
}
