import CKernels

/// The CPU the process runs on, as cpuid tells it (features only where the OS saves their
/// registers). One reading per process.
public struct CPUInfo: Sendable {
    /// "GenuineIntel", "AuthenticAMD", ... (empty off x86).
    public let vendor: String
    /// The brand string, e.g. "Intel(R) Xeon(R) Processor"; "unknown CPU" when there is none.
    public let model: String
    public let family: Int
    public let modelNumber: Int
    /// The features that matter to the engine, by their /proc/cpuinfo names, in a fixed order.
    public let features: [String]

    /// This machine's CPU.
    public static let current = CPUInfo()

    /// True when every named feature is present.
    public func has(_ names: String...) -> Bool { names.allSatisfy(features.contains) }

    /// One line for logs: "Intel(R) Xeon(R) Processor (family 6 model 207; avx2 fma avx512f ...)".
    public var summary: String {
        "\(model) (family \(family) model \(modelNumber); \(features.isEmpty ? "no vector extensions" : features.joined(separator: " ")))"
    }

    private init() {
        var info = wn_cpu_info()
        wn_cpu_identify(&info)
        vendor = withUnsafeBytes(of: info.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let brand = withUnsafeBytes(of: info.brand) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        model = brand.isEmpty ? "unknown CPU" : brand
        family = Int(info.family)
        modelNumber = Int(info.model)
        let flags: [(String, Int32)] = [
            ("sse4_2", info.sse4_2), ("avx", info.avx), ("avx2", info.avx2), ("fma", info.fma), ("f16c", info.f16c),
            ("avx512f", info.avx512f), ("avx512bw", info.avx512bw), ("avx512vl", info.avx512vl),
            ("avx512dq", info.avx512dq), ("avx512cd", info.avx512cd), ("avx512_vnni", info.avx512_vnni),
            ("avx512_bf16", info.avx512_bf16), ("avx512_fp16", info.avx512_fp16), ("avx_vnni", info.avx_vnni),
            ("amx_tile", info.amx_tile), ("amx_bf16", info.amx_bf16), ("amx_int8", info.amx_int8),
        ]
        features = flags.filter { $0.1 != 0 }.map(\.0)
    }
}

/// The element-wise kernel implementation in use (scalar, AVX2 or AVX-512).
public enum KernelPath: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case scalar = 0, avx2 = 1, avx512 = 2

    /// The path in use now (WINNOW_KERNELS may force a lower one).
    public static var current: KernelPath { KernelPath(rawValue: wn_kernel_path()) ?? .scalar }

    /// The highest path this CPU runs.
    public static var supported: KernelPath { KernelPath(rawValue: wn_kernel_path_supported()) ?? .scalar }

    /// Selects a path for every later kernel call (tests, benchmarks); one the CPU cannot run is
    /// lowered to the highest it can. Returns the path now in use.
    @discardableResult
    public static func select(_ path: KernelPath) -> KernelPath {
        KernelPath(rawValue: wn_set_kernel_path(path.rawValue)) ?? .scalar
    }

    public var description: String { String(cString: wn_kernel_path_name(rawValue)) }
}
