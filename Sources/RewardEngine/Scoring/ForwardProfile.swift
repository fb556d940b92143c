import Foundation

/// Wall time spent in each stage of the forward pass, accumulated across calls. Stages are
/// coarse (one clock read per stage per layer), so keeping the profile on costs nothing
/// measurable; `winnow bench` reports it to show where CPU time goes.
public struct ForwardProfile: Sendable {
    public enum Stage: String, CaseIterable, Sendable {
        case embedding, norms, projections, positional = "qk-norm+rope", attention, mlpGEMM = "mlp", activation, head
        /// Stages that are dense matrix products through cblas_sgemm.
        public var isGEMM: Bool { self == .projections || self == .mlpGEMM }
    }

    public private(set) var seconds: [Stage: Double] = [:]
    public private(set) var tokens = 0
    /// Floating-point operations of the projection and MLP GEMMs (2·m·n·k each).
    public private(set) var gemmFlops = 0.0

    public var total: Double { seconds.values.reduce(0, +) }

    /// Share of the time spent in GEMMs (projections and MLP; attention's own small GEMMs are
    /// counted under attention).
    public var gemmShare: Double {
        let t = total
        return t > 0 ? Stage.allCases.filter(\.isGEMM).reduce(0) { $0 + (seconds[$1] ?? 0) } / t : 0
    }

    mutating func add(_ stage: Stage, since start: UInt64) {
        seconds[stage, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// GEMM throughput achieved in the projection and MLP stages, in GFLOP/s.
    public var gemmGFLOPS: Double {
        let seconds = Stage.allCases.filter(\.isGEMM).reduce(0) { $0 + (self.seconds[$1] ?? 0) }
        return seconds > 0 ? gemmFlops / seconds / 1e9 : 0
    }

    mutating func count(tokens n: Int) { tokens += n }

    mutating func countGEMM(rows: Int, weight: WeightMatrix) { gemmFlops += 2 * Double(rows * weight.rows * weight.columns) }

    public mutating func reset() { self = ForwardProfile() }
}

@inline(__always) func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
