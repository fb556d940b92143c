import Foundation

/// oneDNN (Debian `libdnnl2`), opened at run time for the int8 GEMM `dnnl_gemm_u8s8s32`.
///
/// Why dlopen and not a link-time `.systemLibrary`: the int8 mode is optional, the float32 path
/// never touches oneDNN, and there is no dnnl.pc to find it with. Opened at run time, the same
/// binary (including the static-stdlib service image's) builds and runs on a machine without
/// oneDNN and reports int8 as unavailable instead of failing to start. Only two symbols are
/// used, so the signatures are declared here (oneDNN's C API is stable across 2.x/3.x for them)
/// and no header is needed to build.
///
/// Why `dnnl_gemm_u8s8s32` and not the matmul primitive with weights reordered once: measured
/// at the model's shapes on the Xeon (BENCHMARKS.md) the two are within noise of each other, and
/// the row count changes with every forward pass, so a matmul primitive would need one JIT-built
/// primitive per row count (or runtime dimensions, which oneDNN 2.6 serves with a slower
/// implementation).
public enum OneDNN {
    /// `dnnl_status_t dnnl_gemm_u8s8s32(char transa, char transb, char offsetc, dnnl_dim_t M,
    /// dnnl_dim_t N, dnnl_dim_t K, float alpha, const uint8_t *A, dnnl_dim_t lda, uint8_t ao,
    /// const int8_t *B, dnnl_dim_t ldb, int8_t bo, float beta, int32_t *C, dnnl_dim_t ldc,
    /// const int32_t *co)`, row-major.
    typealias GemmU8S8S32 = @convention(c) (CChar, CChar, CChar, Int64, Int64, Int64, Float,
                                            UnsafePointer<UInt8>, Int64, UInt8, UnsafePointer<Int8>, Int64, Int8,
                                            Float, UnsafeMutablePointer<Int32>, Int64, UnsafePointer<Int32>) -> Int32
    /// `dnnl_cpu_isa_t dnnl_get_effective_cpu_isa(void)`.
    typealias EffectiveISA = @convention(c) () -> Int32
    /// `const dnnl_version_t *dnnl_version(void)`: {int major, minor, patch; const char *hash; ...}.
    typealias Version = @convention(c) () -> UnsafeRawPointer?

    /// The library when it could be opened, or why not.
    public enum Availability: Sendable {
        case available(version: String, isa: String, vnni: Bool)
        case unavailable(reason: String)
    }

    struct Library: @unchecked Sendable {
        let gemm: GemmU8S8S32
        let version: String
        let isa: Int32
    }

    /// Opened once, on first use. OMP_NUM_THREADS and OMP_WAIT_POLICY are set first (unless the
    /// user set them) because oneDNN's OpenMP runtime reads them when it loads: the threads
    /// match the model's pool, and passive waiting keeps idle OpenMP threads from spinning on
    /// the cores the engine's own attention and norm workers need between GEMMs.
    static func library(threads: Int) -> Result<Library, OneDNNError> {
        lock.lock(); defer { lock.unlock() }
        if let opened { return opened }
        setenv("OMP_NUM_THREADS", String(max(1, threads)), 0)
        setenv("OMP_WAIT_POLICY", "passive", 0)
        let result = open()
        opened = result
        return result
    }

    /// What `library` would give, without choosing its thread count (for reports).
    public static func availability(threads: Int) -> Availability {
        switch library(threads: threads) {
        case .success(let lib):
            return .available(version: lib.version, isa: isaName(lib.isa), vnni: hasVNNI(lib.isa))
        case .failure(let error):
            return .unavailable(reason: error.description)
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var opened: Result<Library, OneDNNError>?

    private static func open() -> Result<Library, OneDNNError> {
        var handle: UnsafeMutableRawPointer?
        for name in ["libdnnl.so.3", "libdnnl.so.2", "libdnnl.so"] {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
        }
        guard let handle else {
            let detail = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(OneDNNError("oneDNN (libdnnl.so.2, Debian package libdnnl2) cannot be loaded: \(detail)"))
        }
        guard let gemm = dlsym(handle, "dnnl_gemm_u8s8s32"), let isa = dlsym(handle, "dnnl_get_effective_cpu_isa") else {
            return .failure(OneDNNError("the oneDNN library found lacks dnnl_gemm_u8s8s32 or dnnl_get_effective_cpu_isa"))
        }
        var version = "oneDNN"
        if let versionSymbol = dlsym(handle, "dnnl_version"),
           let v = unsafeBitCast(versionSymbol, to: Version.self)() {
            let numbers = v.bindMemory(to: Int32.self, capacity: 3)
            version = "oneDNN \(numbers[0]).\(numbers[1]).\(numbers[2])"
        }
        return .success(Library(gemm: unsafeBitCast(gemm, to: GemmU8S8S32.self), version: version,
                                isa: unsafeBitCast(isa, to: EffectiveISA.self)()))
    }

    /// oneDNN's `dnnl_cpu_isa_t` bits: 0x40 is AVX512-VNNI, 0x400 AVX-VNNI (both add vpdpbusd).
    static func hasVNNI(_ isa: Int32) -> Bool { isa & 0x40 != 0 || isa & 0x400 != 0 }

    /// The name DNNL_MAX_CPU_ISA uses for an effective ISA value.
    static func isaName(_ isa: Int32) -> String {
        switch isa {
        case 0x1: return "sse41"
        case 0x3: return "avx"
        case 0x7: return "avx2"
        case 0x407: return "avx2_vnni"
        case 0x27: return "avx512_core"
        case 0x67: return "avx512_core_vnni"
        case 0xe7: return "avx512_core_bf16"
        case 0x3e7: return "avx512_core_amx"
        default: return String(format: "isa 0x%x", isa)
        }
    }
}

/// Why oneDNN cannot serve the int8 mode.
public struct OneDNNError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
