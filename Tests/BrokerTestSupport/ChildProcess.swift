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
