import ArgumentParser
import ChatText
import Foundation
import WinnowJinja
import WinnowJSON

/// `winnow tokenize`: the ids a model would score, without loading its weights.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize JSONL text or conversations exactly as `winnow score` would.",
        discussion: """
        Reads {"id": ..., "text": "..."} lines and writes {"id": ..., "ids": [int]}.
        With --chat, reads {"id": ..., "messages": [...]} and writes {"id": ..., "text": "...", "ids": [int]}:
        the rendered chat template and its ids exactly as they would be scored.
        A line that cannot be tokenized gets {"id": ..., "error": "..."}; the exit status is then 1.
        """)

    @Option(name: .long, help: "Model directory holding tokenizer.json and tokenizer_config.json.")
    var model: String

    @Flag(name: .long, help: "Read conversations (\"messages\") and render the chat template.")
    var chat = false

    @Option(name: .long, help: "JSONL input file, or - for standard input.")
    var input: String = "-"

    @Option(name: .long, help: "JSONL output file, or - for standard output.")
    var output: String = "-"

    @Option(name: .long, help: "Longest sequence accepted, in tokens.")
    var maxLength: Int = 16384

    @OptionGroup var text: TextOptions

    func run() throws {
        let encoder: ChatEncoder
        do {
            encoder = try ChatEncoder(directory: URL(fileURLWithPath: model), maxLength: maxLength,
                                      overflow: text.overflow, templateName: text.chatTemplate)
        } catch {
            throw CommandFailure("cannot load the tokenizer of \(model): \(error)")
        }
        let writer = try LineWriter(path: output)
        var failures = 0, total = 0
        for line in try LineReader(path: input) where !line.allSatisfy(\.isWhitespace) {
            total += 1
            let result = tokenize(line, encoder)
            if result.contains("\"error\":") { failures += 1 }
            writer.write(result)
        }
        writer.flush()
        if failures > 0 {
            FileHandle.standardError.write(Data("winnow tokenize: \(failures) of \(total) lines could not be tokenized\n".utf8))
            throw ExitCode(1)
        }
    }

    private func tokenize(_ line: String, _ encoder: ChatEncoder) -> String {
        guard case .object(let object)? = try? JSONValue(json: line) else {
            return #"{"id":null,"error":"the line is not a JSON object"}"#
        }
        let id = object["id"] ?? .null
        func ids(_ ids: [Int32]) -> JSONValue { .array(ids.map { .int(Int($0)) }) }
        do {
            if chat {
                guard case .array(let messages)? = object["messages"] else { throw CommandFailure("\"messages\" must be an array of messages") }
                let encoded = try encoder.encode(messages: messages)
                return JSONValue.object(["id": id, "text": .string(encoded.text), "ids": ids(encoded.ids)]).jsonText
            }
            guard case .string(let text)? = object["text"] else { throw CommandFailure("\"text\" must be a string") }
            return JSONValue.object(["id": id, "ids": ids(try encoder.encode(text: text).ids)]).jsonText
        } catch {
            return JSONValue.object(["id": id, "error": .string("\(error)")]).jsonText
        }
    }
}

