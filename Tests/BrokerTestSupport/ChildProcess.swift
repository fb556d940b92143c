import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts `arguments` (the first is the executable's path) as a child process with standard input
/// from /dev/null and standard output and error appended to `log`, for the tests that run the
/// real `winnow` binary. The child starts with no signals blocked and SIGTERM/SIGINT at their
/// default dispositions, whatever the test runner's threads block or ignore, so the signals the
/// tests send reach it as they would in production. Returns its pid.
public func spawnChild(_ arguments: [String], log: URL) throws -> pid_t {
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGTERM)
    sigaddset(&defaults, SIGINT)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_APPEND, 0)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)

    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
    guard result == 0 else { throw ChildProcessError(description: "cannot start \(arguments[0]): error \(result)") }
    return pid
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
}

/// A child process started with `spawnChild`, its output kept in a temporary log file: the
/// `winnow serve` processes the service and HTTP tests run. Killed (SIGKILL) and reaped when
/// released while still running; the log file is removed with it.
///
/// `@unchecked Sendable`: one test owns it and calls it from one task at a time; `exitStatus`, its
/// only mutable state, is a cache of waitpid's answer written on that task.
open class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let logURL: URL
    private var exitStatus: Int32?

    /// Starts `arguments` (the first is the executable's path); `logName` prefixes the log file's name.
    public init(_ arguments: [String], logName: String) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(logName)-\(UUID().uuidString).log")
        pid = try spawnChild(arguments, log: logURL)
    }

    deinit {
        if isRunning { kill(pid, SIGKILL); _ = exitStatusNow(blocking: true) }
        try? FileManager.default.removeItem(at: logURL)
    }

    /// Everything the process wrote to standard output and error so far.
    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) { kill(pid, number) }

    public var isRunning: Bool { exitStatusNow(blocking: false) == nil }

    /// The exit status (128 + signal number when killed by a signal), nil while running.
    private func exitStatusNow(blocking: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, blocking ? 0 : WNOHANG) == pid else { return nil }
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return exitStatus
    }

    /// Waits for the process to exit; nil if it is still running after `timeout`.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatusNow(blocking: false) { return status }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return exitStatusNow(blocking: false)
    }
}
