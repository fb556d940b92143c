import CBLAS
import Foundation
import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which OpenBLAS kernel set ("core") the process multiplies with, and how it was chosen.
///
/// Debian's OpenBLAS (0.3.21, built with DYNAMIC_ARCH) picks its core from a table of CPU models
/// it knew when it was released. A newer CPU is not in the table and gets the generic `Prescott`
/// (SSE3) kernels: on an Intel Xeon of family 6 model 207 with AVX-512, sgemm ran at 38 GFLOP/s
/// instead of 233 with the SkylakeX kernels. So the core is chosen here from what the CPU can do
/// (cpuid features), not from its model number.
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` when the library loads, before `main`. DYNAMIC_ARCH builds
/// also export `gotoblas_dynamic_init` / `gotoblas_dynamic_quit`, the pair that runs that choice;
/// calling them again with the variable set re-chooses the core in process, before the first
/// GEMM. That beats re-executing the process (which would lose the state of a test runner or an
/// embedding application and double the start-up) and needs no newer OpenBLAS than Debian ships.
/// The symbols are looked up at run time, so an OpenBLAS built for one fixed core links as well
/// and is reported as such. An `OPENBLAS_CORETYPE` the user set is kept as it is.
public enum BLASCore {
    /// How the core in use came to be.
    public enum Choice: Sendable, Equatable {
        /// OpenBLAS's own choice was kept: it already uses what the CPU can do.
        case library
        /// The user set OPENBLAS_CORETYPE; kept as it is.
        case user(String)
        /// Winnow replaced OpenBLAS's generic choice with one that fits the CPU's features.
        case selected(from: String, to: String)
        /// The library has one fixed core (not DYNAMIC_ARCH) or is not OpenBLAS: nothing to choose.
        case fixed
        /// A better core was wanted but the library refused it; what it uses is reported.
        case refused(wanted: String)
    }

    /// Chooses the core once per process (on first use, thread-safe) and tells what happened.
    /// Every path to a GEMM (`ComputePool.init`) goes through here first.
    public static let choice: Choice = choose()

    /// The core OpenBLAS uses now, e.g. "SkylakeX" or "Cooperlake".
    public static var name: String {
        _ = choice
        return String(cString: openblas_get_corename())
    }

    /// OpenBLAS's build configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64".
    public static var configuration: String {
        _ = choice
        return String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces)
    }

    /// The OpenBLAS core names that use each instruction-set level, for telling whether a core
    /// falls short of the CPU. Names are OpenBLAS's own (lower-cased), from driver/others/dynamic.c.
    static func level(ofCore name: String) -> Int {
        switch name.lowercased() {
        case "cooperlake", "sapphirerapids": return 4
        case "skylakex": return 3
        case "haswell", "zen", "excavator": return 2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": return 1
        default: return 0   // Prescott, Core2, Penryn, Nehalem, Atom, Barcelona, ... (SSE only)
        }
    }

    /// The core that fits `cpu` best, with its level; nil when no vector core beats the generic one.
    static func bestCore(for cpu: CPUInfo) -> (name: String, level: Int)? {
        if cpu.has("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd") {
            return cpu.has("avx512_bf16") ? ("Cooperlake", 4) : ("SkylakeX", 3)
        }
        if cpu.has("avx2", "fma") { return cpu.vendor == "AuthenticAMD" ? ("Zen", 2) : ("Haswell", 2) }
        if cpu.has("avx") { return ("Sandybridge", 1) }
        return nil
    }

    private typealias VoidFunction = @convention(c) () -> Void

    private static func choose() -> Choice {
        if let user = getenv("OPENBLAS_CORETYPE").map({ String(cString: $0) }), !user.isEmpty {
            return .user(user)
        }
        let handle = dlopen(nil, RTLD_NOW)
        defer { if let handle { dlclose(handle) } }
        guard let initSymbol = dlsym(handle, "gotoblas_dynamic_init"),
              let quitSymbol = dlsym(handle, "gotoblas_dynamic_quit") else { return .fixed }
        let current = String(cString: openblas_get_corename())
        let cpu = CPUInfo.current
        guard let best = bestCore(for: cpu), best.level > level(ofCore: current) else { return .library }
        // Only a core this build carries (its gotoblas_NAME table is exported): asking for one it
        // lacks would leave OpenBLAS without kernels.
        var wanted = best.name
        if dlsym(handle, "gotoblas_\(wanted.uppercased())") == nil {
            guard wanted == "Cooperlake", dlsym(handle, "gotoblas_SKYLAKEX") != nil else { return .refused(wanted: wanted) }
            wanted = "SkylakeX"
        }
        let initialize = unsafeBitCast(initSymbol, to: VoidFunction.self)
        let quit = unsafeBitCast(quitSymbol, to: VoidFunction.self)
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        quit()
        initialize()
        // Child processes choose for themselves (and must not read this as the user's setting).
        unsetenv("OPENBLAS_CORETYPE")
        let now = String(cString: openblas_get_corename())
        guard now.lowercased() == wanted.lowercased() else {
            if now.isEmpty || level(ofCore: now) < level(ofCore: current) {
                // Put the library's own choice back rather than run on less.
                quit()
                initialize()
            }
            return .refused(wanted: wanted)
        }
        return .selected(from: current, to: now)
    }
}

extension BLASCore.Choice: CustomStringConvertible {
    public var description: String {
        switch self {
        case .library: return "OpenBLAS's own choice"
        case .user(let value): return "OPENBLAS_CORETYPE=\(value) (set by the user)"
        case .selected(let from, let to): return "chosen from the CPU's features (OpenBLAS alone picked \(from), replaced by \(to))"
        case .fixed: return "fixed at build time"
        case .refused(let wanted): return "OpenBLAS refused \(wanted); its own choice kept"
        }
    }
}
