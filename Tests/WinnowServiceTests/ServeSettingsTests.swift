import Foundation
import Testing

/// `winnow serve`'s settings: out-of-range numbers and malformed property lists end the process
/// with a clear error (exit 1), never a trap, and never echo a secret.
@Suite struct ServeSettingsTests {
    /// Runs `winnow serve` with `arguments` and extra environment; its status (128 + signal when
    /// a signal ended it) and standard error.
    static func serve(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = winnowExecutable
        process.arguments = ["serve", "--model", try demoModelDirectory().path, "--brokers", "127.0.0.1:1"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return (status, String(decoding: data, as: UTF8.self))
    }

    @Test("numeric settings out of range are refused by name with their bounds", arguments: [
        ("WINNOW_DRAIN_TIMEOUT", "1e300", "drain_timeout"),
        ("WINNOW_DRAIN_TIMEOUT", "nan", "drain_timeout"),
        ("WINNOW_OUTPUT_RETRY_TIMEOUT", "-1", "output_retry_timeout"),
        ("WINNOW_TRANSACTION_INTERVAL_MS", "99999999999999999999", "transaction_interval_ms"),
        ("WINNOW_MAX_INFLIGHT_BYTES", "5", "max_inflight_bytes"),
        ("WINNOW_MAX_PAIRS_PER_GROUP", "0", "max_pairs_per_group"),
    ])
    func outOfRangeNumbers(variable: String, value: String, key: String) throws {
        let (status, stderr) = try Self.serve([], environment: [variable: value])
        #expect(status == 1, "a clear error, not a trap: status \(status); stderr:\n\(stderr)")
        #expect(stderr.contains(key) && stderr.contains(variable) && stderr.contains("from "), "stderr:\n\(stderr)")
    }

    @Test("a password cut at ';' in WINNOW_KAFKA_PROPERTIES is refused without echoing any of it")
    func propertiesErrorKeepsSecrets() throws {
        let (status, stderr) = try Self.serve([], environment: ["WINNOW_KAFKA_PROPERTIES": "sasl.password=hunter2;tail-of-secret"])
        #expect(status == 1, "stderr:\n\(stderr)")
        #expect(!stderr.contains("hunter2") && !stderr.contains("tail-of-secret"), "stderr:\n\(stderr)")
        #expect(stderr.contains("WINNOW_KAFKA_PROPERTIES entry 2"))
    }
}
