import Foundation
import WinnowJinja

/// `WINNOW_KAFKA_PROPERTIES`: librdkafka properties in one environment variable, in either of
/// two forms:
///
/// - a JSON object of strings, `{"sasl.password": "a;b=c"}`: any value, no escaping to think of;
/// - `key=value` entries separated by newlines or `;`, where a backslash makes the next
///   character literal: `sasl.password=a\;b` is the value `a;b`, `\\` a backslash. Blanks
///   around keys and values are dropped.
///
/// Errors never quote a value, nor the text of an entry that cannot be parsed (it may be the
/// tail of a password cut at a `;`): they say which entry, and name the key only when it does
/// not look secret.
public enum KafkaPropertiesText {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The properties in `text`, in order.
    public static func parse(_ text: String) throws(ParseError) -> [(key: String, value: String)] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") { return try parseJSON(trimmed) }
        var entries: [String] = []
        var current = ""
        var escaping = false
        for character in text {
            if escaping {
                current.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == ";" || character == "\n" || character == "\r\n" {
                entries.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if escaping { throw ParseError(description: "WINNOW_KAFKA_PROPERTIES ends in a lone backslash (write \\\\ for a backslash)") }
        entries.append(current)
        var properties: [(key: String, value: String)] = []
        for (index, entry) in entries.enumerated() where !entry.allSatisfy(\.isWhitespace) {
            guard let equals = entry.firstIndex(of: "="),
                  case let key = entry[..<equals].trimmingCharacters(in: .whitespaces), !key.isEmpty else {
                throw ParseError(description: """
                    WINNOW_KAFKA_PROPERTIES entry \(index + 1) is not key=value (entries are separated by newlines or ';'; \
                    write \\; for a ';' inside a value, or give a JSON object of strings)
                    """)
            }
            // Surrounding blanks go, as around the key (a value that needs them: the JSON form).
            properties.append((key, entry[entry.index(after: equals)...].trimmingCharacters(in: .whitespaces)))
        }
        return properties
    }

    private static func parseJSON(_ text: String) throws(ParseError) -> [(key: String, value: String)] {
        guard case .object(let object)? = try? Value(json: text) else {
            throw ParseError(description: "WINNOW_KAFKA_PROPERTIES starts with '{' but is not a JSON object")
        }
        return try object.map { key, value throws(ParseError) in
            switch value {
            case .string(let s): return (key, s)
            case .int(let i): return (key, String(i))
            case .bool(let b): return (key, b ? "true" : "false")
            default:
                throw ParseError(description: "WINNOW_KAFKA_PROPERTIES: the value of \(displayName(key)) must be a string, integer or boolean")
            }
        }
    }

    /// Whether a property's value should never appear in logs or errors.
    public static func looksSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "secret", "token", "jaas", "credential", "key"].contains { lowered.contains($0) }
            && !["key.serializer", "ssl.endpoint.identification.algorithm"].contains(lowered)
    }

    /// `key` quoted, or "a secret-looking key" when it looks secret (a mistyped key could be a value).
    static func displayName(_ key: String) -> String {
        looksSecret(key) ? "a secret-looking key" : "\"\(key)\""
    }
}
