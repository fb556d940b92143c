/// What the linear layers multiply in. Attention, norms and the residual stream stay float32 in
/// every mode.
public enum ComputeMode: String, Sendable, CaseIterable {
    /// float32 GEMMs through OpenBLAS: the default and the exact mode (transformers parity ~1e-6).
    case float32
    /// Weights quantized per output row to signed 8 bits at load, activations per row to 8 bits
    /// at run time, int32 accumulation (oneDNN's VNNI or AVX2 kernels), float32 dequantization.
    case int8
    /// bf16 x bf16 with float32 accumulation. No bf16 GEMM measured faster than float32 sgemm on
    /// the CPUs this was built on (BENCHMARKS.md), so it always falls back to float32 and says so.
    case bfloat16
}

/// The compute mode asked for, the one that runs, and why they differ when they do.
public struct ComputeChoice: Sendable, CustomStringConvertible {
    public let requested: ComputeMode
    public let running: ComputeMode
    /// What runs the mode ("oneDNN 2.6.3 gemm_u8s8s32 on avx512_core_bf16 (VNNI)"), or why the
    /// requested mode fell back.
    public let detail: String
    /// Largest magnitude of a quantized activation: 127, or 63 where the kernel sums u8 x s8
    /// pairs in saturating 16 bits (no VNNI), so that no sum can saturate.
    let activationLevels: Int32
    let gemm: OneDNN.GemmU8S8S32?

    /// "int8 (oneDNN ...)", or "float32 (bfloat16 requested: ...)" on a fallback.
    public var description: String {
        requested == running ? "\(running.rawValue) (\(detail))"
            : "\(running.rawValue) (\(requested.rawValue) requested: \(detail))"
    }

    /// Resolves `mode` on this machine for a pool of `threads`.
    public static func resolve(_ mode: ComputeMode, threads: Int) -> ComputeChoice {
        switch mode {
        case .float32:
            return ComputeChoice(requested: .float32, running: .float32, detail: "OpenBLAS sgemm", activationLevels: 0, gemm: nil)
        case .bfloat16:
            // Measured on the Xeon of BENCHMARKS.md (AVX512-BF16, no AMX): vdpbf16ps issues at
            // 0.44x the float32 FMA rate per flop, and oneDNN's bf16 matmul with prepacked
            // weights ran at 0.5-0.9x sgemm. Without AVX512-BF16 bf16 is emulated, slower still;
            // AMX-BF16 could win but no machine here has it to build and test on.
            let reason = CPUInfo.current.has("amx_bf16")
                ? "no AMX-BF16 kernel is built in; running float32"
                : "no bf16 GEMM is faster than float32 sgemm on this CPU (see BENCHMARKS.md); running float32"
            return ComputeChoice(requested: .bfloat16, running: .float32, detail: reason, activationLevels: 0, gemm: nil)
        case .int8:
            switch OneDNN.library(threads: threads) {
            case .failure(let error):
                return ComputeChoice(requested: .int8, running: .float32, detail: "int8 unavailable: \(error); running float32",
                                     activationLevels: 0, gemm: nil)
            case .success(let lib):
                let vnni = OneDNN.hasVNNI(lib.isa)
                let detail = "\(lib.version) gemm_u8s8s32 on \(OneDNN.isaName(lib.isa))"
                    + (vnni ? " (VNNI, 8-bit activations)" : " (no VNNI: 7-bit activations so 16-bit pair sums cannot saturate)")
                return ComputeChoice(requested: .int8, running: .int8, detail: detail,
                                     activationLevels: vnni ? 127 : 63, gemm: lib.gemm)
            }
        }
    }
}
