import Foundation

/// A thread of its own that runs submitted jobs one at a time, in order.
///
/// Used instead of a Dispatch queue where jobs parse, render and tokenize untrusted records:
/// Dispatch's worker threads have small stacks (512 KB), and this one gets `stackSize`, as the
/// consumer's main thread has, so a deeply nested record fails with an error, not a crash.
///
/// `@unchecked Sendable`: `jobs` and `running` are only read or written with `condition` locked
/// (a condition variable needs its own lock, so `Mutex` cannot guard them).
final class SerialWorkThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var running = false

    init(name: String, stackSize: Int = 16 << 20) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }

    /// Runs `job` after every job submitted before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock(); defer { condition.unlock() }
        jobs.append(job)
        condition.broadcast()
    }

    /// Returns once every job submitted so far has run.
    func waitUntilIdle() {
        condition.lock(); defer { condition.unlock() }
        while !jobs.isEmpty || running { condition.wait() }
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            running = true
            condition.unlock()
            job()
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
