import Foundation
import Synchronization

/// A thread that keeps calling `rd_kafka_poll` so a producer's delivery reports and error
/// callbacks are served without the owner having to poll.
final class RDKafkaPollThread: Sendable {
    /// Shared with the thread's closure, hence a class around the `Mutex`.
    private final class Flag: Sendable {
        let value = Mutex(false)
    }

    private let stopped: Flag
    private let finished: DispatchSemaphore
    /// `Thread` is not `Sendable` in Foundation's annotations, but it is only compared by identity
    /// here (`Thread.current == thread`), which is safe from any thread.
    private nonisolated(unsafe) let thread: Thread

    init(client: RDKafkaClient, name: String) {
        let stopped = Flag()
        let finished = DispatchSemaphore(value: 0)
        self.stopped = stopped
        self.finished = finished
        // The thread holds the client: the rd_kafka_t outlives every poll call made here.
        let thread = Thread {
            while !stopped.value.withLock({ $0 }) {
                client.poll(timeout: .milliseconds(100))
            }
            finished.signal()
        }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    /// Stops polling and waits for the thread to leave `rd_kafka_poll`. Called from a callback on
    /// the poll thread itself (the owner was released there), it only asks the loop to end.
    func stop() {
        let alreadyStopped = stopped.value.withLock { flag -> Bool in
            defer { flag = true }
            return flag
        }
        guard !alreadyStopped else { return }
        if Thread.current != thread { finished.wait() }
    }

    var isCurrentThread: Bool { Thread.current == thread }
}
