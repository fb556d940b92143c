import Synchronization

/// A `Mutex` that several objects, or escaping closures, hold at once: the offset tracker that the
/// service, its pipeline and its delivery strategy all update; a count that delivery reports
/// arriving after the call returned still decrement.
///
/// `Mutex` is non-copyable, so it can be neither stored in two objects nor captured by an escaping
/// closure; this class holds one by reference. Its `Sendable` conformance is checked by the
/// compiler: its one stored property is a `let` of a `Mutex`, which is `Sendable`.
final class SharedMutex<Value>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    /// Runs `body` with the value while holding the lock. Never call librdkafka or block in it.
    func withLock<Result, Failure: Error>(_ body: (inout sending Value) throws(Failure) -> sending Result) throws(Failure) -> sending Result {
        try mutex.withLock(body)
    }
}
