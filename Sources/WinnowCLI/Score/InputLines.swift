import Foundation
import Synchronization

/// The lines of several JSONL inputs, one after the other, read streaming. Every physical line
/// counts (blank ones too): `linesRead` is what a checkpoint records and a resumed run skips.
/// The last line of a file ends with the file even without a newline.
final class InputLines {
    private let paths: [String]
    private var next = 0
    private var current: InputBytes?
    private var buffer = [UInt8]()
    private var start = 0
    private var ended = true
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
    private(set) var linesRead = 0

    init(paths: [String]) { self.paths = paths }

    deinit { block.deallocate() }

    /// Opens every input once, so a missing or unreadable one is reported before the model loads.
    static func checkReadable(_ paths: [String]) throws {
        for path in paths where path != "-" { _ = try openInput(path) }
    }

    /// The next line without its line break ("\n" or "\r\n"), or nil after the last input.
    func nextLine() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = text(start..<newline)
                start = newline + 1
                linesRead += 1
                return line
            }
            if ended {
                if start < buffer.count {
                    let line = text(start..<buffer.count)
                    start = buffer.count
                    linesRead += 1
                    return line
                }
                guard next < paths.count else { return nil }
                current = try openInput(paths[next])
                next += 1
                ended = false
            }
            // Keep only the unread tail, then append a block.
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let n = try current!.read(into: block)
            if n == 0 {
                ended = true
                current = nil
            } else {
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: block[..<n]))
            }
        }
    }

    /// Reads and drops `count` lines (those a resumed run already wrote); false if the inputs
    /// end first.
    func skip(_ count: Int) throws -> Bool {
        while linesRead < count {
            guard try nextLine() != nil else { return false }
        }
        return true
    }

    private func text(_ range: Range<Int>) -> String {
        var end = range.upperBound
        if end > range.lowerBound && buffer[end - 1] == 0x0D { end -= 1 }
        return buffer[range.lowerBound..<end].withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }
}

/// Counts the lines of the inputs (for the progress line's total and ETA), on its own thread
/// so the count never delays scoring. Nil until done, for standard input, and when an input
/// cannot be read (the reader reports that).
final class LineCounter: Sendable {
    private let total = Mutex<Int?>(nil)

    init(paths: [String]) {
        guard !paths.contains("-") else { return }
        let thread = Thread { [self] in
            if let count = try? Self.count(paths) { total.withLock { $0 = count } }
        }
        thread.qualityOfService = .background
        thread.start()
    }

    var value: Int? { total.withLock { $0 } }

    private static func count(_ paths: [String]) throws -> Int {
        var count = 0
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { block.deallocate() }
        for path in paths {
            let input = try openInput(path)
            var last: UInt8 = 0x0A
            while case let n = try input.read(into: block), n > 0 {
                var p = block.baseAddress!, left = n
                while left > 0, let hit = memchr(p, 0x0A, left) {
                    count += 1
                    let skipped = hit - p + 1
                    p = hit + 1
                    left -= skipped
                }
                last = block[n - 1]
            }
            if last != 0x0A { count += 1 }
        }
        return count
    }
}
