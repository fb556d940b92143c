import Foundation

/// A thread that keeps calling `rd_kafka_poll` so a producer's delivery reports and error
/// callbacks are served without the owner having to poll.
final class RDKafkaPollThread: @unchecked Sendable {
    private let stopped = Locked(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(client: RDKafkaClient, name: String) {
        let stopped = self.stopped
        let finished = self.finished
        // The thread holds the client: the rd_kafka_t outlives every poll call made here.
        let thread = Thread {
            while !stopped.withLock({ $0 }) {
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
        let alreadyStopped = stopped.withLock { flag -> Bool in
            defer { flag = true }
            return flag
        }
        guard !alreadyStopped, let thread else { return }
        if Thread.current != thread { finished.wait() }
    }

    var isCurrentThread: Bool { Thread.current == thread }
}
