import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server for Prometheus and Kubernetes probes: `GET /metrics` (the
/// exposition text), `/healthz` (200 while the process runs) and `/readyz` (200 once the service
/// consumes, 503 before and while draining). One thread, one short request per connection.
public final class MetricsServer: @unchecked Sendable {
    private let socketFD: Int32
    /// The bound port (useful when 0 was asked for).
    public let port: UInt16
    private let metrics: Metrics
    private let isReady: @Sendable () -> Bool

    /// Binds `host:port` (port 0: any free port).
    public init(host: String = "0.0.0.0", port: UInt16, metrics: Metrics, isReady: @escaping @Sendable () -> Bool) throws {
        self.metrics = metrics
        self.isReady = isReady
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw MetricsServerError("socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw MetricsServerError("not an IPv4 address: \(host)")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw MetricsServerError("cannot listen on \(host):\(port): \(String(cString: strerror(code)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socketFD = fd
        self.port = UInt16(bigEndian: address.sin_port)
    }

    public func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "winnow-metrics"
        thread.start()
    }

    private func serve() {
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            respond(client)
            close(client)
        }
    }

    private func respond(_ client: Int32) {
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Read the request head (the first line is all that matters).
        while request.count < 16384 {
            let n = read(client, &buffer, buffer.count)
            guard n > 0 else { break }
            request += buffer[0..<n]
            if request.count >= 4, String(decoding: request, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = line.split(separator: " ")
        let (status, type, body): (String, String, String)
        if parts.count < 2 || parts[0] != "GET" {
            (status, type, body) = ("405 Method Not Allowed", "text/plain", "only GET\n")
        } else {
            switch parts[1].split(separator: "?").first.map(String.init) ?? "" {
            case "/metrics": (status, type, body) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics.render())
            case "/healthz": (status, type, body) = ("200 OK", "text/plain", "ok\n")
            case "/readyz":
                (status, type, body) = isReady() ? ("200 OK", "text/plain", "ready\n") : ("503 Service Unavailable", "text/plain", "not ready\n")
            default: (status, type, body) = ("404 Not Found", "text/plain", "not found\n")
            }
        }
        let payload = Array(body.utf8)
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + payload
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            sent += n
        }
    }
}

public struct MetricsServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
