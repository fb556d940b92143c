import Foundation

/// Reads a JSONL stream line by line (a file or stdin), without loading it whole.
struct LineReader: Sequence, IteratorProtocol {
    private let file: UnsafeMutablePointer<FILE>
    private let closes: Bool
    private var line: UnsafeMutablePointer<CChar>? = nil
    private var capacity = 0

    /// `path` "-" reads standard input.
    init(path: String) throws {
        if path == "-" {
            file = CStandardStreams.input
            closes = false
        } else {
            guard let f = fopen(path, "r") else {
                throw CommandFailure("cannot open \(path): \(String(cString: strerror(errno)))")
            }
            file = f
            closes = true
        }
    }

    mutating func next() -> String? {
        let read = getline(&line, &capacity, file)
        guard read >= 0, let line else {
            if closes { fclose(file) }
            return nil
        }
        var length = read
        while length > 0 && (line[length - 1] == 0x0A || line[length - 1] == 0x0D) { length -= 1 }
        return line.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }
}

/// Writes lines to a file or stdout through one buffered handle.
final class LineWriter {
    private let file: UnsafeMutablePointer<FILE>
    private let closes: Bool

    init(path: String) throws {
        if path == "-" {
            file = CStandardStreams.output
            closes = false
        } else {
            guard let f = fopen(path, "w") else {
                throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            file = f
            closes = true
        }
    }

    func write(_ line: String) {
        fputs(line, file)
        fputc(0x0A, file)
    }

    func flush() { fflush(file) }

    deinit {
        fflush(file)
        if closes { fclose(file) }
    }
}

enum JSON {
    /// `value` as compact JSON (strings, numbers, null, objects, arrays), or `null` if it is
    /// not serialisable.
    static func encode(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes]) else {
            return "null"
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func string(_ s: String) -> String { encode(s) }

    /// `[1.5,-0.25]`: floats in Swift's shortest round-trip form.
    static func floats(_ values: [Float]) -> String { "[" + values.map { "\($0)" }.joined(separator: ",") + "]" }
}
