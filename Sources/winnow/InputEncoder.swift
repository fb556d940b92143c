import Foundation
import RewardModel

/// Turns one `winnow score` input line into token ids, or a reason it cannot be scored.
struct InputEncoder {
    enum Outcome {
        /// `id` is the record's id, already JSON-encoded for the output line.
        case success(id: String, ids: [Int32])
        case failure(id: String, message: String)
    }

    let model: RewardModel

    func encode(line: String) -> Outcome {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return .failure(id: "null", message: "the line is not a JSON object")
        }
        let id = JSON.encode(object["id"])
        do {
            let ids: [Int32]
            if let raw = object["input_ids"] {
                ids = try Self.tokenIDs(raw)
            } else if object["messages"] != nil || object["text"] != nil {
                throw CommandFailure("\"messages\" and \"text\" input need the text front-end, which this build lacks; pass \"input_ids\"")
            } else {
                throw CommandFailure("the object has none of \"input_ids\", \"messages\", \"text\"")
            }
            try model.validate(ids)
            return .success(id: id, ids: ids)
        } catch let error as ScoringError {
            return .failure(id: id, message: Self.describe(error))
        } catch {
            return .failure(id: id, message: "\(error)")
        }
    }

    /// `input_ids` must be an array of integers (JSON numbers with no fractional part).
    static func tokenIDs(_ raw: Any) throws -> [Int32] {
        guard let array = raw as? [Any] else { throw CommandFailure("\"input_ids\" must be an array of integers") }
        return try array.map { element in
            guard let number = element as? NSNumber, !Self.isBoolean(element),
                  let value = Int32(exactly: number.doubleValue)
            else { throw CommandFailure("\"input_ids\" must be an array of integers; found \(element)") }
            return value
        }
    }

    /// JSON true/false arrive as booleans, which NSNumber would otherwise read as 1 and 0.
    static func isBoolean(_ value: Any) -> Bool {
        if value is Bool, let number = value as? NSNumber {
            return String(cString: number.objCType) == "c" || type(of: value) == Bool.self
        }
        return false
    }

    /// Scoring errors name a sequence index, meaningless for one line: drop it.
    static func describe(_ error: ScoringError) -> String {
        switch error {
        case .emptySequence: return "\"input_ids\" is empty"
        case .tokenOutOfRange(_, let token, let vocabulary): return "token id \(token) is outside the vocabulary [0, \(vocabulary))"
        case .sequenceTooLong(_, let length, let limit): return "\(length) tokens exceed the limit of \(limit)"
        }
    }
}
