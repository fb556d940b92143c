/// Why a JSON text could not be read.
public enum JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not JSON (or not JSON this reader accepts); `offset` is the byte where it went wrong.
    case syntax(String, offset: Int)

    /// What went wrong, without the offset.
    public var message: String { switch self { case .syntax(let message, _): return message } }
    /// The byte offset where it went wrong.
    public var offset: Int { switch self { case .syntax(_, let offset): return offset } }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}
