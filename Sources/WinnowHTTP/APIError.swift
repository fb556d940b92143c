import Hummingbird
import Policies
import WinnowJSON

/// A request the server refuses, as the JSON body every client gets:
/// `{"error": {"message": ..., "type": ..., "code": <status>}}` (OpenAI's and vLLM's error shape),
/// plus `Retry-After` on 503.
struct APIError: HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let message: String
    /// A short machine-readable kind (`invalid_request`, `too_large`, `overloaded`, `timeout`, ...).
    let type: String
    /// Seconds a client should wait before retrying (503 only).
    var retryAfter: Int? = nil
    /// The methods the path takes (405 only), for the `Allow` header.
    var allow: String? = nil

    var description: String { "\(status.code) \(type): \(message)" }

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message, type: "invalid_request") }
    static func tooLarge(_ message: String) -> APIError { APIError(status: .contentTooLarge, message: message, type: "too_large") }
    static func overloaded(retryAfter: Int) -> APIError {
        APIError(status: .serviceUnavailable, message: "the scoring queue is full; retry later", type: "overloaded", retryAfter: retryAfter)
    }
    static let timeout = APIError(status: .requestTimeout, message: "the request was not finished within the server's request timeout", type: "timeout")
    static let draining = APIError(status: .serviceUnavailable, message: "the server is shutting down", type: "shutting_down", retryAfter: 1)
    static func notFound(_ path: String) -> APIError { APIError(status: .notFound, message: "no endpoint \(path)", type: "not_found") }
    static func methodNotAllowed(_ method: HTTPRequest.Method, _ path: String, allowed: [HTTPRequest.Method]) -> APIError {
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(status: .methodNotAllowed, message: "\(path) takes \(names), not \(method)", type: "method_not_allowed", allow: names)
    }
    static func internalError(_ message: String) -> APIError { APIError(status: .internalServerError, message: message, type: "internal_error") }

    var json: String {
        let body: JSONValue = ["error": ["message": .string(message), "type": .string(type), "code": .int(Int(status.code))]]
        return body.jsonText
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { plainResponse }
}
