import Foundation

/// Runs the three stages of `winnow score` — read + decode + render + tokenize, forward passes,
/// write — so that the model never waits on text: with `depth` > 0 the first and last run on
/// their own threads, joined to the scoring thread (the caller's) by queues of `depth` chunks,
/// so the next chunk is prepared and the previous one written while the current one is scored.
/// `depth` 0 runs them one after the other (what `winnow score` did before; kept to measure the
/// difference).
///
/// Chunks stay in order. A failure of the reader ends the input: every chunk read before it is
/// still scored and written, then the failure is thrown. A failure of the writer stops the other
/// stages at once and is thrown.
enum ScorePipeline {
    static func run<Encoded, Scored>(depth: Int, read: @escaping () throws -> Encoded?, score: (Encoded) -> Scored,
                                     write: @escaping (Scored) throws -> Void) throws {
        guard depth > 0 else {
            while let chunk = try read() { try write(score(chunk)) }
            return
        }
        let encoded = BoundedQueue<Result<Encoded, Error>>(capacity: depth)
        let scored = BoundedQueue<Scored>(capacity: depth)
        let writeFailure = ThreadConfined<Error?>(nil)
        let reader = Worker(name: "winnow-score-read", ThreadConfined(read)) { read in
            do {
                while let chunk = try read.value() {
                    guard encoded.push(.success(chunk)) else { return }
                }
            } catch {
                _ = encoded.push(.failure(error))
            }
            encoded.close()
        }
        let writer = Worker(name: "winnow-score-write", ThreadConfined(write)) { write in
            while let chunk = scored.pop() {
                do { try write.value(chunk) } catch {
                    writeFailure.value = error
                    scored.close()
                    encoded.close()
                    return
                }
            }
        }
        var readFailure: Error?
        scoring: while let item = encoded.pop() {
            switch item {
            case .success(let chunk):
                // A closed queue or a refused push: the writer failed and stopped.
                guard !scored.isClosed, scored.push(score(chunk)) else { break scoring }
            case .failure(let error):
                readFailure = error
                break scoring
            }
        }
        encoded.close()
        scored.close()
        reader.join()
        writer.join()
        // Joined: the writer's failure is ours to read now.
        if let failure = writeFailure.value { throw failure }
        if let readFailure { throw readFailure }
    }
}

/// A FIFO of at most `capacity` elements between two threads. `push` waits while it is full,
/// `pop` while it is empty; after `close`, `push` refuses (false) and `pop` drains what is left,
/// then returns nil.
final class BoundedQueue<Element>: @unchecked Sendable {
    // Sound: every access to `items` and `closed` holds `condition`; an element is handed over
    // whole (the pusher keeps no reference to it).
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func push(_ element: Element) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    func pop() -> Element? {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        condition.broadcast()
        return items.removeFirst()
    }

    var isClosed: Bool {
        condition.lock(); defer { condition.unlock() }
        return closed
    }

    func close() {
        condition.lock(); defer { condition.unlock() }
        closed = true
        condition.broadcast()
    }
}

/// A value that one thread at a time uses, handed from the thread that made it to a worker
/// thread and back only across `Thread.start` and `Worker.join`, which order the accesses.
final class ThreadConfined<Value>: @unchecked Sendable {
    // Sound by the hand-over above: never two threads inside `value` at once.
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// A thread running `body` once, that can be waited for.
final class Worker: Sendable {
    private let done = DispatchSemaphore(value: 0)

    init<State>(name: String, _ state: ThreadConfined<State>, _ body: @escaping @Sendable (ThreadConfined<State>) -> Void) {
        let thread = Thread { [done] in
            body(state)
            done.signal()
        }
        thread.name = name
        // The stages besides scoring hold a few MB (chunk text, compression buffers).
        thread.stackSize = 8 << 20
        thread.start()
    }

    func join() { done.wait() }
}
