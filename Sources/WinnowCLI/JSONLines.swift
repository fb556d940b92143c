import Foundation
import WinnowJSON

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
    /// A report dictionary (`inspect --json`, `bench --json`) as compact JSON through the one
    /// writer; keys sorted, so the output is the same from run to run.
    static func encode(_ value: Any?) -> String { JSONValue(report: value).jsonText }
}

extension JSONValue {
    /// The value of a report built as a Swift dictionary: strings, integers, floating point,
    /// booleans, nil/NSNull, arrays and string-keyed dictionaries; anything else is its
    /// description as a string (a report must print, not fail).
    init(report value: Any?) {
        switch value {
        case nil, is NSNull: self = .null
        case let v as JSONValue: self = v
        case let b as Bool: self = .bool(b)
        case let s as String: self = .string(s)
        case let i as Int: self = .int(i)
        case let i as Int32: self = .int(Int(i))
        case let i as Int64: self = .int(Int(i))
        case let i as UInt64: self = Int(exactly: i).map(JSONValue.int) ?? .double(Double(i))
        case let f as Float: self = JSONValue(f)
        case let d as Double: self = .double(d)
        case let a as [Any]: self = .array(a.map { JSONValue(report: $0) })
        case let a as [Any?]: self = .array(a.map { JSONValue(report: $0) })
        case let d as [String: Any]:
            self = .object(JSONObject(d.keys.sorted().map { ($0, JSONValue(report: d[$0])) }))
        case let d as [String: Any?]:
            self = .object(JSONObject(d.keys.sorted().map { ($0, JSONValue(report: d[$0] ?? nil)) }))
        case let some?: self = .string("\(some)")
        }
    }
}
