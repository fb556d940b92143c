/// What a model computes on, for logs, `winnow inspect`, `winnow bench` and the metrics info
/// series: the CPU and its features, the BLAS library, its core and how it was chosen, the
/// threads, the element-wise kernel path and the compute mode of the linear layers. Numbers mean little without it: the same binary runs
/// 5x apart depending on the BLAS core (see BLASCore).
public struct ComputeEnvironment: Sendable {
    public let cpu: CPUInfo
    public let blasConfiguration: String
    public let blasCore: String
    public let blasChoice: BLASCore.Choice
    public let threads: Int
    public let kernels: KernelPath
    /// The model's compute mode (requested, running, and what runs it); nil reads as float32.
    public let compute: ComputeChoice?

    /// The environment now, for a pool of `threads` and a model loaded with `compute`.
    public static func current(threads: Int, compute: ComputeChoice? = nil) -> ComputeEnvironment {
        ComputeEnvironment(cpu: .current, blasConfiguration: BLASCore.configuration, blasCore: BLASCore.name,
                           blasChoice: BLASCore.choice, threads: threads, kernels: .current, compute: compute)
    }

    private var computeChoice: ComputeChoice { compute ?? .resolve(.float32, threads: threads) }

    /// The keys of `fields`, in order: the labels of the `winnow_compute_info` series.
    public static let fieldNames = ["cpu", "cpu_family", "cpu_model", "cpu_features", "blas", "blas_core",
                                    "blas_core_choice", "threads", "kernels", "compute", "compute_requested",
                                    "compute_detail"]

    /// Labelled facts in a fixed order (key=value logs, the metrics info series).
    public var fields: [(key: String, value: String)] {
        let values = [cpu.model, String(cpu.family), String(cpu.modelNumber), cpu.features.joined(separator: " "),
                      blasConfiguration, blasCore, blasChoice.description, String(threads), kernels.description,
                      computeChoice.running.rawValue, computeChoice.requested.rawValue, computeChoice.detail]
        return zip(Self.fieldNames, values).map { (key: $0, value: $1) }
    }

    /// Human-readable lines, as `winnow inspect` and `winnow bench` print them.
    public var lines: [String] {
        ["CPU: \(cpu.summary)",
         "BLAS: \(blasConfiguration); core \(blasCore), \(blasChoice); \(threads) thread\(threads == 1 ? "" : "s")",
         "element-wise kernels: \(kernels) (highest this CPU runs: \(KernelPath.supported))",
         "compute: \(computeChoice)"]
    }
}
