import Foundation
import Policies

/// Reads a selection policy given on the command line: JSON text, or `@FILE` for a file of it.
enum PolicyOption {
    static func read(_ argument: String, origin: String = "--policy") throws -> SelectionPolicy {
        var text = argument
        if argument.hasPrefix("@") {
            let path = String(argument.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("\(origin): cannot read \(path)")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        do { return try SelectionPolicy(jsonText: text) } catch {
            throw CommandFailure("\(origin): \(error)")
        }
    }
}
