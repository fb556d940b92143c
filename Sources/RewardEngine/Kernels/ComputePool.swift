import CBLAS
import Dispatch
import Foundation
import Synchronization

/// The one thread budget of a model: OpenBLAS's threads for GEMMs and Dispatch workers for
/// everything else (attention, norms, RoPE, activations). The two never run at once — each
/// forward stage is either a large GEMM or a parallel loop — so `threads` cores are never
/// oversubscribed. Inside parallel loops OpenBLAS is held to one thread.
public struct ComputePool: Sendable {
    public let threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
        // Before the first GEMM: OpenBLAS's core is chosen from the CPU's features (BLASCore).
        _ = BLASCore.choice
        openblas_set_num_threads(Int32(self.threads))
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the workers in contiguous
    /// chunks. Small loops run inline: dispatching costs more than they do.
    @inline(__always)
    public func parallelFor(_ count: Int, minimumPerWorker: Int = 1, _ body: (Int) -> Void) {
        let workers = min(threads, max(1, count / max(1, minimumPerWorker)))
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = ConcurrentBody(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let begin = count * worker / workers
                let end = count * (worker + 1) / workers
                for i in begin..<end { shared.body(i) }
            }
        }
    }

    /// Runs `body(task, worker)` for every task with a worker index in `0..<threads`, so each
    /// worker can use its own scratch memory. Tasks are taken dynamically; OpenBLAS is single
    /// threaded meanwhile (each task may call it).
    public func parallelTasks(_ count: Int, _ body: (_ task: Int, _ worker: Int) -> Void) {
        let workers = min(threads, count)
        if workers <= 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threads)) }
        let next = TaskCounter()
        withoutActuallyEscaping(body) { body in
            let shared = ConcurrentBody(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while true {
                    let task = next.take()
                    if task >= count { break }
                    shared.body(task, worker)
                }
            }
        }
    }
}

/// A loop body handed to Dispatch's workers.
///
/// `@unchecked Sendable` because the bodies are not `@Sendable`: they capture the forward pass's
/// raw buffers. Sound here because `concurrentPerform` returns only after every worker is done
/// (the body never outlives the call that borrowed it, which `withoutActuallyEscaping` checks),
/// and every caller gives each index or task disjoint rows of those buffers to write.
private struct ConcurrentBody<Body>: @unchecked Sendable {
    let body: Body
    init(_ body: Body) { self.body = body }
}

/// A counter handing out task indices.
private final class TaskCounter: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
