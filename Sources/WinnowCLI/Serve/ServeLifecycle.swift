import Foundation
import Logging
import WinnowKafka
import WinnowService

/// The life of one `winnow serve` after start: run the Kafka service (or wait, HTTP only) until
/// SIGTERM or SIGINT, then drain Kafka and HTTP together and return.
///
/// The drain is the service's own (`SelectionService.stop`: finish the groups in flight, publish,
/// commit, within `--drain-timeout`); the HTTP listeners answer open requests and refuse new
/// connections meanwhile.
struct ServeLifecycle {
    let service: SelectionService
    let listeners: HTTPListeners?
    let logger: Logger

    /// Returns once drained; throws when the service stops on a Kafka error.
    func run(kafka: Bool, signals: ShutdownSignals) throws {
        let stopped = DispatchSemaphore(value: 0)
        signals.onSignal { [service, listeners, logger] name in
            logger.notice("signal received; draining", metadata: ["signal": "\(name)"])
            service.stop()
            stopped.signal()
            // HTTP drains alongside Kafka: open requests are answered, new connections refused.
            if let listeners { Thread { listeners.shutdown() }.start() }
        }

        defer { listeners?.shutdown() }
        guard kafka else {
            logger.info("serving HTTP only (no brokers configured)")
            stopped.wait()
            return
        }
        do {
            try service.run()
        } catch let error as KafkaError {
            throw CommandFailure("winnow serve: \(error)")
        }
    }
}
