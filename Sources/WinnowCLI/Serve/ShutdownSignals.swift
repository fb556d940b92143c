import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGTERM and SIGINT into a call on an ordinary thread.
///
/// Two paths, because which thread gets a process-directed signal depends on every thread's
/// mask: threads started before `main` (OpenBLAS's pool) or by the runtime may or may not block
/// these signals, and a child spawned from a thread that blocks them inherits that. So a
/// handler (async-signal-safe: it only writes a byte to a pipe) catches them on any thread that
/// lets them through, and a `sigwait` thread catches them when every thread blocks them.
final class ShutdownSignals: Sendable {
    private let readFD: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CommandFailure("cannot create the signal pipe: errno \(errno)") }
        readFD = fds[0]
        shutdownSignalPipe.store(fds[1], ordering: .releasing)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(shutdownSignalPipe.load(ordering: .acquiring), &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for signal in [SIGTERM, SIGINT] { sigaction(signal, &action, nil) }

        // The main thread (and every thread it starts from here on) blocks them, so they land on
        // the handler of a thread that lets them through, or else stay pending for sigwait.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let blocked = set
        let waiter = Thread {
            var waited = blocked
            var received: Int32 = 0
            while sigwait(&waited, &received) == 0 {
                var byte = UInt8(truncatingIfNeeded: received)
                _ = write(shutdownSignalPipe.load(ordering: .acquiring), &byte, 1)
            }
        }
        waiter.name = "winnow-sigwait"
        waiter.start()
    }

    /// Calls `body` (on a thread of its own) for every SIGTERM or SIGINT, with the signal's name.
    func onSignal(_ body: @escaping @Sendable (String) -> Void) {
        let fd = readFD
        let reader = Thread {
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1 {
                body(Int32(byte) == SIGTERM ? "SIGTERM" : "SIGINT")
            }
        }
        reader.name = "winnow-signals"
        reader.start()
    }
}

/// The write end of the signal pipe, global so the C signal handler (which captures nothing) can
/// reach it; an atomic, so reading it in the handler is async-signal-safe (lock-free) and needs no
/// unchecked global.
private let shutdownSignalPipe = Atomic<Int32>(-1)
