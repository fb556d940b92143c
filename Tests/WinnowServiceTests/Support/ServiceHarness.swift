import BrokerTestSupport
import Foundation
import Kafka
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The repository root (Tests/WinnowServiceTests/Support/ServiceHarness.swift -> root).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// The demo reward model shipped in deploy/local/demo-model (a tiny Qwen3 with its tokenizer and
/// chat template). `WINNOW_SERVE_TEST_MODEL` may point elsewhere during development.
func demoModelDirectory() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["WINNOW_SERVE_TEST_MODEL"], !path.isEmpty {
        return URL(fileURLWithPath: path)
    }
    let directory = repositoryRoot.appendingPathComponent("deploy/local/demo-model")
    guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer.json").path) else {
        throw HarnessError(description: "the demo model is missing at \(directory.path) (made by scripts/make-demo-model.py and committed)")
    }
    return directory
}

/// The built `winnow` executable beside the test bundle in the build products directory.
var winnowExecutable: URL {
    var directory = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("winnow").path), directory.path != "/" {
        directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("winnow")
}

/// Topic and group names of one test, unique per run.
struct ServeTopics {
    let input = uniqueName("groups")
    let results = uniqueName("selections")
    let deadLetters = uniqueName("dead-letters")
    let group = uniqueName("winnow")

    func create(on broker: TansuBroker, inputPartitions: Int32) throws {
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
        try admin.createTopics([KafkaNewTopic(name: input, partitions: inputPartitions),
                                KafkaNewTopic(name: results, partitions: 2),
                                KafkaNewTopic(name: deadLetters, partitions: 1)], timeout: .seconds(10))
    }
}

/// A running `winnow serve` process, its output kept in a temporary file.
///
/// Spawned with posix_spawn and an empty signal mask, as a shell or the kubelet starts it:
/// `Process` would pass on the mask of the spawning thread, and test threads (Swift
/// concurrency, Dispatch) block SIGTERM, which would hide signal-handling bugs.
final class ServeProcess: @unchecked Sendable {
    let pid: pid_t
    let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-serve-\(UUID().uuidString).log")
    private var exitStatus: Int32?

    convenience init(broker: TansuBroker, topics: ServeTopics, model: URL, extra: [String] = []) throws {
        try self.init(brokers: broker.bootstrapServers, topics: topics, model: model, extra: extra)
    }

    init(brokers: String, topics: ServeTopics, model: URL, extra: [String] = []) throws {
        let arguments = [
            winnowExecutable.path, "serve", "--model", model.path, "--brokers", brokers, "--group", topics.group,
            "--input-topic", topics.input, "--results-topic", topics.results, "--dead-letter-topic", topics.deadLetters,
            // Quick group joins on Tansu (see DESIGN.md) and a fresh view of new topics.
            "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
            "-X", "topic.metadata.refresh.interval.ms=1000", "--log-level", "debug",
        ] + extra
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logURL.path, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else { throw HarnessError(description: "cannot start \(arguments[0]): error \(result)") }
        self.pid = pid
    }

    deinit {
        if isRunning { kill(pid, SIGKILL); _ = waitForExitNow(blocking: true) }
        try? FileManager.default.removeItem(at: logURL)
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(pid, number) }

    var isRunning: Bool { waitForExitNow(blocking: false) == nil }

    /// The exit status (128 + signal number when killed by a signal), nil while running.
    private func waitForExitNow(blocking: Bool) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, blocking ? 0 : WNOHANG) == pid else { return nil }
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return exitStatus
    }

    /// Waits for the process to exit; nil if it is still running after `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = waitForExitNow(blocking: false) { return status }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return waitForExitNow(blocking: false)
    }
}

/// Produces `records` (key, value) to `topic` round-robin over its partitions, so the partition
/// of every record is known, and waits for every acknowledgement.
func produce(_ records: [(key: String, value: [UInt8]?)], topic: String, partitions: Int32, broker: TansuBroker) async throws {
    let producer = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrapServers, "linger.ms": "5"])
    let results = try await blocking { () -> [Result<KafkaDeliveryReport, KafkaError>] in
        let box = ResultsBox(count: records.count)
        for (index, record) in records.enumerated() {
            let message = KafkaProducerMessage(topic: topic, partition: Int32(index) % partitions,
                                               key: Array(record.key.utf8), value: record.value)
            try producer.produce(message) { box.set(index, $0) }
        }
        try producer.flush(timeout: .seconds(20))
        return try box.all()
    }
    for result in results { _ = try result.get() }
}

/// Reads `topics` from the beginning (or the group's committed offsets) as member of `group`
/// (a fresh one by default). Stops `linger` after `count` records arrived, once nothing new came
/// for `idle` after the assignment, or at `timeout`.
func readTopic(_ topic: String, broker: TansuBroker, group: String = uniqueName("reader"),
               extra: [String: String] = [:], count: Int = .max, timeout: Duration, linger: Duration = .milliseconds(1000), idle: Duration = .seconds(2)) async throws -> [KafkaMessage] {
    try await blocking {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(broker, group: group, extra: extra))
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic])
        var messages: [KafkaMessage] = []
        var deadline = ContinuousClock.now + timeout
        var lingering = false
        var lastProgress: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            if let message = try? consumer.poll(timeout: .milliseconds(100)) {
                messages.append(message)
                lastProgress = .now
            }
            if lastProgress == nil, (try? consumer.assignment().isEmpty) == false { lastProgress = .now }
            if let lastProgress, ContinuousClock.now - lastProgress >= idle { break }
            if !lingering && messages.count >= count {
                lingering = true
                deadline = ContinuousClock.now + linger
            }
        }
        return messages
    }
}

/// Parses a record value as a JSON object.
func jsonObject(_ message: KafkaMessage) throws -> [String: Any] {
    guard let value = message.value,
          let object = try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else {
        throw HarnessError(description: "record at \(message.topicPartition)@\(message.offset) is not a JSON object")
    }
    return object
}

/// Checks `object` carries every field `schemas/NAME.schema.json` requires (at the top level
/// and in the nested objects it requires), with the JSON types the schema gives.
func expectMatchesSchema(_ object: [String: Any], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = repositoryRoot.appendingPathComponent("schemas/\(name).schema.json")
    let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    let definitions = schema["$defs"] as? [String: Any] ?? [:]
    func resolve(_ node: [String: Any]) -> [String: Any] {
        if let ref = node["$ref"] as? String, ref.hasPrefix("#/$defs/") {
            return definitions[String(ref.dropFirst(8))] as? [String: Any] ?? node
        }
        return node
    }
    func check(_ value: Any, against node: [String: Any], path: String) {
        let node = resolve(node)
        if let type = node["type"] {
            let types = (type as? [String]) ?? [type as! String]
            #expect(types.contains { matches(value, type: $0) }, "\(path): \(value) is not \(types)", sourceLocation: sourceLocation)
        }
        if let allowed = node["enum"] as? [String] {
            #expect(allowed.contains(value as? String ?? ""), "\(path): \(value) is not one of \(allowed)", sourceLocation: sourceLocation)
        }
        if let object = value as? [String: Any] {
            let properties = node["properties"] as? [String: Any] ?? [:]
            for required in node["required"] as? [String] ?? [] {
                #expect(object[required] != nil, "\(path) lacks required field \"\(required)\"", sourceLocation: sourceLocation)
            }
            for (key, sub) in properties {
                if let field = object[key], let sub = sub as? [String: Any] { check(field, against: sub, path: "\(path).\(key)") }
            }
        }
        if let array = value as? [Any], let items = node["items"] as? [String: Any] {
            for (i, item) in array.enumerated() { check(item, against: items, path: "\(path)[\(i)]") }
        }
    }
    check(object, against: schema, path: name)
}

private func matches(_ value: Any, type: String) -> Bool {
    let isBool = (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
    switch type {
    case "object": return value is [String: Any]
    case "array": return value is [Any]
    case "string": return value is String
    case "null": return value is NSNull
    case "boolean": return isBool
    case "integer": return !isBool && (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
    case "number": return !isBool && value is NSNumber
    default: return false
    }
}

/// A plain HTTP GET on loopback: status code and body (raw sockets, no URLSession needed).
func httpGet(port: UInt16, path: String) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError(description: "socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw HarnessError(description: "cannot connect to 127.0.0.1:\(port)") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var response = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { break }
        response += buffer[0..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n"), let status = Int(text.split(separator: " ").dropFirst().first ?? "") else {
        throw HarnessError(description: "not an HTTP response: \(text.prefix(200))")
    }
    return (status, String(text[split.upperBound...]))
}

/// The value of a sample line `name value` (or `name{labels} value`) in exposition text.
func metricValue(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}
