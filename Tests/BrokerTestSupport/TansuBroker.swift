import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failure of the test harness itself, with a message that says what to do.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// A real Tansu broker (Kafka-compatible, memory storage) on a free loopback port, started for one
/// test and stopped by `stop()` (or when released).
///
/// The binary comes from `$WINNOW_TEST_DATA/tansu/tansu` (fetched by scripts/fetch-test-data.sh),
/// falling back to the repository's `.local/tansu/tansu`. A missing binary is a test failure,
/// never a skip: these tests are the only proof the Kafka layer talks to a real broker.
///
/// `@unchecked Sendable`: every stored property is a `let`; `Process` is not `Sendable` in
/// Foundation's annotations, but it is only started in `init` and only read (its pid, whether it
/// runs) by the one test that owns the broker.
public final class TansuBroker: @unchecked Sendable {
    public let port: UInt16
    private let process: Process
    private let logURL: URL

    /// `host:port` for `bootstrap.servers`.
    public var bootstrapServers: String { "127.0.0.1:\(port)" }

    public static func binaryURL() throws -> URL {
        var candidates: [URL] = []
        if let data = ProcessInfo.processInfo.environment["WINNOW_TEST_DATA"], !data.isEmpty {
            candidates.append(URL(fileURLWithPath: data).appendingPathComponent("tansu/tansu"))
        }
        // Tests/BrokerTestSupport/TansuBroker.swift -> repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".local/tansu/tansu"))
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        throw HarnessError(description: """
            Tansu broker binary not found (looked at \(candidates.map(\.path).joined(separator: ", "))). \
            The Kafka integration tests need it: run `bash scripts/fetch-test-data.sh .local` (part of \
            `make test`) and set WINNOW_TEST_DATA=$PWD/.local.
            """)
    }

    /// A loopback port nothing listens on (for a broker that is not there yet).
    public static func unusedPort() throws -> UInt16 { try freeLoopbackPort() }

    /// Starts a broker on `port`, or on a free port when nil.
    public init(port fixedPort: UInt16? = nil) throws {
        let binary = try Self.binaryURL()
        var lastError: Error?
        // A free port can be taken between probing and the broker binding it; try a few.
        for _ in 0..<(fixedPort == nil ? 5 : 1) {
            let port = try fixedPort ?? Self.freeLoopbackPort()
            let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("tansu-\(port)-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            let log = try FileHandle(forWritingTo: logURL)
            let process = Process()
            process.executableURL = binary
            process.arguments = ["broker", "--listener-url", "tcp://127.0.0.1:\(port)",
                                 "--advertised-listener-url", "tcp://127.0.0.1:\(port)"]
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try? log.close()
            try Self.startWatchdog(brokerPID: process.processIdentifier)
            if Self.waitUntilAccepting(port: port, process: process, timeout: .seconds(10)) {
                self.port = port
                self.process = process
                self.logURL = logURL
                return
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            lastError = HarnessError(description: "Tansu did not start on port \(port): \(output.suffix(2000))")
            try? FileManager.default.removeItem(at: logURL)
        }
        throw lastError ?? HarnessError(description: "Tansu did not start")
    }

    deinit { stop() }

    /// SIGKILL, not `Process.terminate()`'s SIGTERM: the broker inherits the signal mask of the
    /// thread that spawned it, and Swift concurrency / Dispatch threads block SIGTERM, so Tansu
    /// would never see it. Storage is in memory, so there is nothing to shut down gracefully.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logURL)
    }

    /// Stops the broker answering without losing what it holds (SIGSTOP): connections stay open
    /// and requests time out, as with a hung or partitioned broker. `thaw()` resumes it.
    public func freeze() { kill(process.processIdentifier, SIGSTOP) }

    /// Resumes a frozen broker (SIGCONT).
    public func thaw() { kill(process.processIdentifier, SIGCONT) }

    /// Kills the broker if this test process dies without calling `stop()` (a crash, a killed
    /// run), so no broker outlives its tests.
    private static func startWatchdog(brokerPID: Int32) throws {
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", """
            while kill -0 \(getpid()) 2>/dev/null && kill -0 \(brokerPID) 2>/dev/null; do sleep 1; done
            kill -9 \(brokerPID) 2>/dev/null
            """]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
    }

    /// The broker's output so far, for failure messages.
    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    // MARK: - Sockets

    private static func freeLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw HarnessError(description: "bind() failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw HarnessError(description: "getsockname() failed: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    private static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func waitUntilAccepting(port: UInt16, process: Process, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if accepts(port: port) { return true }
            if !process.isRunning { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }
}
