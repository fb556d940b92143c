import Foundation
import Policies

/// A record Winnow could not turn into a selection, published to the dead-letter topic with the
/// reason, the original bytes and where they came from (`schemas/dead-letter.schema.json`).
public struct DeadLetter: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the record was rejected: a closed set, so consumers of the dead-letter topic can route
    /// on it.
    public enum Reason: String, Sendable, CaseIterable {
        case malformedJSON = "malformed_json"
        case schemaViolation = "schema_violation"
        case noCandidates = "no_candidates"
        case tooManyCandidates = "too_many_candidates"
        case tooLong = "too_long"
        case unknownRole = "unknown_role"
        case templateError = "template_error"
        case tokenizerError = "tokenizer_error"
        /// The record's `policy` is not a valid selection policy.
        case invalidPolicy = "invalid_policy"
        /// The model scored a candidate NaN or infinite, or the policy's reward transforms made
        /// a reward so.
        case nonFiniteScore = "non_finite_score"
        case internalError = "internal_error"
    }

    public var reason: Reason
    /// A sentence for the person who sent the record.
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }

    /// The dead-letter record's JSON value. `groupID` is included when the record got far enough
    /// to have one.
    public func json(original: [UInt8]?, key: [UInt8]?, source: RecordSource, groupID: String?,
                     failedAt: Date = Date()) -> String {
        var out = JSONWriter.Object()
        out.add("reason", string: reason.rawValue)
        out.add("message", string: message)
        if let groupID { out.add("group_id", string: groupID) }
        out.add("original", raw: original.map { JSONWriter.string(Data($0).base64EncodedString()) } ?? "null")
        out.add("source", raw: source.json)
        if let key {
            if let text = String(validating: key, as: UTF8.self) {
                out.add("key", string: text)
            } else {
                out.add("key", raw: "null")
                out.add("key_base64", string: Data(key).base64EncodedString())
            }
        } else {
            out.add("key", raw: "null")
        }
        out.add("failed_at", string: ISO8601DateFormatter().string(from: failedAt))
        return out.text
    }
}
