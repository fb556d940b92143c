import Foundation
import Policies
import WinnowJSON

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
        /// An output (selection, SFT row or pair) is over the producer's `message.max.bytes`.
        case outputTooLarge = "output_too_large"
        /// The broker refused an output for good (unknown or unauthorized topic, invalid record),
        /// or it was not delivered within the retry limit; `producer_error` names the error.
        case outputRejected = "output_rejected"
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
    /// to have one; `producerError` (librdkafka's error name) for the output reasons.
    ///
    /// The value stays within `maxBytes`: when the whole original does not fit, the message, group
    /// id and key are shortened and `original` holds a prefix of the record, with
    /// `original_truncated`, `original_size` and `original_sha256` to tell it from the whole.
    public func json(original: [UInt8]?, key: [UInt8]?, source: RecordSource, groupID: String?,
                     producerError: String? = nil, maxBytes: Int = .max, failedAt: Date = Date()) -> String {
        let full = render(original: original.map { .whole($0) }, key: key, source: source, groupID: groupID,
                          producerError: producerError, failedAt: failedAt, shorten: nil)
        guard full.utf8.count > maxBytes else { return full }
        // Everything but the original's prefix, shortened, then as much of the original as fits.
        let shorten = 1024
        let skeleton = render(original: original.map { .prefix($0, count: 0) }, key: key, source: source, groupID: groupID,
                              producerError: producerError, failedAt: failedAt, shorten: shorten)
        let room = max(0, maxBytes - skeleton.utf8.count)
        // Whole 3-byte groups, so the base64 prefix decodes to exactly the first bytes.
        let prefixCount = min(original?.count ?? 0, room / 4 * 3)
        return render(original: original.map { .prefix($0, count: prefixCount) }, key: key, source: source, groupID: groupID,
                      producerError: producerError, failedAt: failedAt, shorten: shorten)
    }

    private enum Original {
        case whole([UInt8])
        case prefix([UInt8], count: Int)
    }

    private func render(original: Original?, key: [UInt8]?, source: RecordSource, groupID: String?, producerError: String?,
                        failedAt: Date, shorten: Int?) -> String {
        func cut(_ text: String) -> String {
            guard let shorten, text.utf8.count > shorten else { return text }
            return String(decoding: text.utf8.prefix(shorten), as: UTF8.self) + "..."
        }
        var out: JSONObject = ["reason": .string(reason.rawValue), "message": .string(cut(message))]
        if let producerError { out["producer_error"] = .string(producerError) }
        if let groupID { out["group_id"] = .string(cut(groupID)) }
        switch original {
        case nil:
            out["original"] = .null
        case .whole(let bytes)?:
            out["original"] = .string(Data(bytes).base64EncodedString())
        case .prefix(let bytes, let count)?:
            out["original"] = .string(Data(bytes.prefix(count)).base64EncodedString())
            out["original_truncated"] = true
            out["original_size"] = .int(bytes.count)
            out["original_sha256"] = .string(SHA256.hex(bytes))
        }
        out["source"] = source.jsonValue
        if let key {
            let keyLimit = shorten ?? Int.max
            if key.count > keyLimit {
                out["key"] = .null
                out["key_truncated"] = true
                out["key_size"] = .int(key.count)
                out["key_sha256"] = .string(SHA256.hex(key))
            } else if let text = String(validating: key, as: UTF8.self) {
                out["key"] = .string(text)
            } else {
                out["key"] = .null
                out["key_base64"] = .string(Data(key).base64EncodedString())
            }
        } else {
            out["key"] = .null
        }
        out["failed_at"] = .string(ISO8601DateFormatter().string(from: failedAt))
        return JSONValue.object(out).jsonText
    }
}
