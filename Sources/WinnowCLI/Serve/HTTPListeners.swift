import Foundation
import Logging
import WinnowHTTP
import WinnowService

/// The HTTP listeners of one `winnow serve`: the front door and, when `--metrics-address` names
/// another address than `--http-address`, a second listener with `/metrics`, `/healthz` and
/// `/readyz` only.
final class HTTPListeners: Sendable {
    private let doors: [HTTPFrontDoor]

    init(settings: HTTPFrontDoor.Settings, metricsAddress: String?, scoring: HTTPFrontDoor.Scoring,
         serviceMetrics: @escaping @Sendable () -> String, isReady: @escaping @Sendable () -> Bool, logger: Logger) throws {
        var doors = [HTTPFrontDoor(settings: settings, scoring: scoring, serviceMetrics: serviceMetrics, isReady: isReady, logger: logger)]
        if let metricsAddress, case let (host, port) = try HTTPFrontDoor.Settings.address(metricsAddress),
           host != settings.host || port != settings.port || port == 0 {  // port 0: a port of its own
            doors.append(HTTPFrontDoor(settings: .init(host: host, port: port), scoring: nil, serviceMetrics: serviceMetrics,
                                       isReady: isReady, metrics: doors[0].metrics, logger: logger))
        }
        self.doors = doors
    }

    func start() throws {
        do {
            for door in doors { _ = try door.start() }
        } catch {
            throw CommandFailure("cannot start the HTTP server: \(error)")
        }
    }

    /// Drains: open requests are answered, then the listeners close.
    func shutdown() {
        for door in doors { door.shutdown() }
    }
}
