import BrokerTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

struct HTTPTestError: Error, CustomStringConvertible {
    let description: String
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let demoModel = repositoryRoot.appendingPathComponent("deploy/local/demo-model")
private let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients")

/// The built `winnow` next to the test bundle.
var winnowExecutable: URL {
    var directory = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("winnow").path), directory.path != "/" {
        directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("winnow")
}

/// The Python with `requests` and `transformers` (scripts/fetch-http-client-venv.sh, run by
/// `make test`): $WINNOW_HTTP_CLIENT_PYTHON, else $WINNOW_TEST_DATA/http-client-venv.
func clientPython() throws -> String {
    let environment = ProcessInfo.processInfo.environment
    if let python = environment["WINNOW_HTTP_CLIENT_PYTHON"], !python.isEmpty { return python }
    let data = environment["WINNOW_TEST_DATA"] ?? repositoryRoot.appendingPathComponent(".local").path
    let python = data + "/http-client-venv/bin/python"
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw HTTPTestError(description: "no client venv at \(python): run scripts/fetch-test-data.sh (make test does)")
    }
    return python
}

/// `winnow serve --model demo-model --http-address 127.0.0.1:0` with no brokers (HTTP only),
/// started fresh for one test and killed when it ends.
///
/// `@unchecked Sendable`: one test owns it and calls it from one task at a time; `port` is set in
/// `init`.
final class HTTPServer: ChildProcess, @unchecked Sendable {
    private(set) var port: Int = 0

    init(extra: [String] = []) throws {
        let arguments = [winnowExecutable.path, "serve", "--model", demoModel.path, "--max-length", "2048",
                         "--http-address", "127.0.0.1:0", "--log-level", "info"] + extra
        try super.init(arguments, logName: "winnow-http")
        // Wait for "http listening ... address=127.0.0.1:PORT" (model loading takes a moment).
        for _ in 0..<600 {
            if let first = listeningPorts.first { port = first; return }
            guard isRunning else { throw HTTPTestError(description: "winnow serve exited: \(log)") }
            usleep(50_000)
        }
        throw HTTPTestError(description: "winnow serve did not start listening: \(log)")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Ports of the "http listening" lines, in order.
    var listeningPorts: [Int] {
        log.split(separator: "\n").filter { $0.contains("http listening") }.compactMap { line in
            line.components(separatedBy: "address=127.0.0.1:").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        }
    }
}

/// Runs a client script from Clients/ with the client venv's Python; throws with its output
/// unless it exits 0.
func runClient(_ script: String, _ arguments: String...) throws {
    let (status, output) = try run([try clientPython(), clients.appendingPathComponent(script).path] + arguments)
    guard status == 0 else { throw HTTPTestError(description: "\(script) failed (\(status)):\n\(output)") }
    print(output, terminator: "")
}

/// `curl -s URL` (with `data`: a JSON POST); the body.
func curl(_ url: String, data: String? = nil) throws -> String {
    var arguments = ["/usr/bin/curl", "-s", "--max-time", "30", url]
    if let data { arguments += ["-H", "Content-Type: application/json", "-d", data] }
    let (status, output) = try run(arguments)
    guard status == 0 else { throw HTTPTestError(description: "curl \(url) failed (\(status)): \(output)") }
    return output
}

private func run(_ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}
