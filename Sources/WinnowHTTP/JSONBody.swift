import Hummingbird
import WinnowJinja
import WinnowJSON

/// Reading a request's JSON and its fields, with a 400 that names the field for every mistake.
enum JSONBody {
    /// Parses `bytes` as one JSON document.
    static func parse(_ bytes: [UInt8]) throws(APIError) -> Value {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .badRequest("the body is not UTF-8") }
        guard !text.allSatisfy(\.isWhitespace) else { throw .badRequest("the body is empty; expected a JSON object") }
        do { return try Value(json: text) } catch { throw .badRequest("the body is not valid JSON: \(error)") }
    }

    /// The body as an object whose keys are all in `allowed` (unknown fields are refused, so a
    /// misspelt option is never silently ignored).
    static func object(_ value: Value, allowed: Set<String>, endpoint: String) throws(APIError) -> JSONObject {
        guard case .object(let object) = value else { throw .badRequest("\(endpoint) expects a JSON object") }
        for key in object.keys where !allowed.contains(key) {
            throw .badRequest("unknown field \"\(key)\" for \(endpoint); accepted: \(allowed.sorted().joined(separator: ", "))")
        }
        return object
    }

    static func string(_ value: Value?, field: String) throws(APIError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw .badRequest("\"\(field)\" must be a string")
        }
    }

    static func bool(_ value: Value?, field: String) throws(APIError) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw .badRequest("\"\(field)\" must be true or false")
        }
    }

    static func int(_ value: Value?, field: String) throws(APIError) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .int(let i)?: return i
        default: throw .badRequest("\"\(field)\" must be an integer")
        }
    }

    /// A list of token ids (`[1, 2, 3]`).
    static func ids(_ items: [Value], field: String) throws(APIError) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .int(let id) = item, let narrow = Int32(exactly: id) else {
                throw .badRequest("\"\(field)\"[\(i)] must be a token id (an integer)")
            }
            ids.append(narrow)
        }
        return ids
    }

    /// True when `items` is a non-empty list whose first element is an integer (a list of ids,
    /// not a list of strings or of id lists).
    static func isIDList(_ items: [Value]) -> Bool {
        if case .int? = items.first { return true }
        return false
    }
}
