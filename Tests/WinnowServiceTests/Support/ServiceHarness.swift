import BrokerTestSupport
import Foundation
import WinnowKafka
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

/// What most service tests start from: the demo model, a fresh broker (stop it with `defer`) and
/// the service's topics on it, the input topic with `inputPartitions` partitions.
func serviceUnderTest(inputPartitions: Int32) throws -> (model: URL, broker: TansuBroker, topics: ServeTopics) {
    let model = try demoModelDirectory()
    let broker = try TansuBroker()
    let topics = ServeTopics()
    do { try topics.create(on: broker, inputPartitions: inputPartitions) } catch {
        broker.stop()
        throw error
    }
    return (model, broker, topics)
}

/// The input records the service's consumer group has not committed: what its next member would
/// read (it joins with the service's assignment strategy: a group cannot mix protocols).
func uncommittedInput(_ topics: ServeTopics, broker: TansuBroker) async throws -> [KafkaMessage] {
    try await readTopic(topics.input, broker: broker, group: topics.group,
                        extra: ["partition.assignment.strategy": "cooperative-sticky"], timeout: .seconds(30))
}

/// A running `winnow serve` on a broker, its output kept in a temporary file (`ChildProcess`:
/// spawned as a shell or the kubelet starts it, no signals blocked, so signal-handling bugs show).
final class ServeProcess: ChildProcess, @unchecked Sendable {
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
        try super.init(arguments, logName: "winnow-serve")
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

/// Every record of `topic`, read from the beginning until every partition reports its end
/// (`enable.partition.eof`; with `isolation.level=read_committed` in `extra`, its last stable
/// offset) with nothing read after it: to completion, not until a quiet spell, which a slow
/// fetch can pass for the end. Call it once nothing more is produced to `topic`. Throws if some
/// partition has not reached its end within `timeout`.
///
/// The end is the one fetch responses report, never `KafkaAdmin.watermarks`: Tansu 0.6.0
/// answers ListOffsets(latest) with the newest batch's base offset + 1, short of the log end
/// whenever that batch holds more than one record (see OffsetCommitTests).
func readToEnd(_ topic: String, broker: TansuBroker, extra: [String: String] = [:],
               timeout: Duration = .seconds(120)) async throws -> [KafkaMessage] {
    try await blocking {
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
        guard let count = try admin.partitionCount(topic: topic) else {
            throw HarnessError(description: "readToEnd: no topic \(topic)")
        }
        let configuration = consumerConfiguration(broker, group: uniqueName("reader"),
                                                  extra: extra.merging(["enable.partition.eof": "true"]) { _, new in new })
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { try? consumer.close() }
        try consumer.subscribe(topics: [topic])
        var messages: [KafkaMessage] = []
        // Past the last record read per partition, and the partitions whose last event was their end.
        var next: [KafkaTopicPartition: Int64] = [:]
        var atEnd: Set<KafkaTopicPartition> = []
        let deadline = ContinuousClock.now + timeout
        while atEnd.count < count {
            guard ContinuousClock.now < deadline else {
                throw HarnessError(description: "readToEnd: \(topic) not read to its end in \(timeout): \(messages.count) records, "
                                   + "at the end: \(atEnd.map(\.description).sorted()), read up to: \(next.mapValues { $0 })")
            }
            switch try consumer.pollEvent(timeout: .milliseconds(100)) {
            case .message(let message)?:
                messages.append(message)
                next[message.topicPartition] = message.nextOffset
                atEnd.remove(message.topicPartition)
            case .endOfPartition(let partition, let offset)?:
                if offset >= next[partition] ?? 0 { atEnd.insert(partition) }
            case nil:
                break
            }
        }
        return messages
    }
}

/// Each partition's log end as `readToEnd` finds it: one past its last record (0 when empty).
func logEnds(_ topic: String, broker: TansuBroker) async throws -> [KafkaTopicPartition: Int64] {
    let messages = try await readToEnd(topic, broker: broker)
    let count = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers]).partitionCount(topic: topic) ?? 0
    var ends = Dictionary(uniqueKeysWithValues: (0..<Int32(count)).map { (KafkaTopicPartition(topic: topic, partition: $0), Int64(0)) })
    for message in messages { ends[message.topicPartition] = max(ends[message.topicPartition] ?? 0, message.nextOffset) }
    return ends
}

/// Whether `group` has committed every partition up to its end in `ends` (from `logEnds`): the
/// group's own committed offsets (OffsetFetch), compared with ends a reader found, never with
/// ListOffsets (see `readToEnd`).
func hasCommittedEverything(group: String, ends: [KafkaTopicPartition: Int64], broker: TansuBroker) throws -> Bool {
    let committed = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
        .committedOffsets(group: group, partitions: Array(ends.keys))
    return ends.allSatisfy { partition, end in end == 0 || committed[partition] == end }
}

/// Parses a record value as a JSON object.
func jsonObject(_ message: KafkaMessage) throws -> [String: Any] {
    guard let value = message.value,
          let object = try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else {
        throw HarnessError(description: "record at \(message.topicPartition)@\(message.offset) is not a JSON object")
    }
    return object
}

/// Validates `object` against `schemas/NAME.schema.json` with a real JSON Schema (2020-12)
/// validator (scripts/validate-json.py, Python jsonschema); records an Issue with the
/// validator's report when it does not match.
func expectMatchesSchema(_ object: [String: Any], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    try expectMatchesSchema(jsonLines: [String(decoding: data, as: UTF8.self)], name, sourceLocation: sourceLocation)
}

/// Validates many JSON documents (record values as they came, one per element) against
/// `schemas/NAME.schema.json` in one run of the validator; one Issue lists every mismatch.
func expectMatchesSchema(jsonLines: [String], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    guard !jsonLines.isEmpty else {
        Issue.record("no documents to check against \(name).schema.json", sourceLocation: sourceLocation)
        return
    }
    // A raw line break in valid JSON is whitespace (in strings it must be escaped), so joining
    // them away keeps each document on its own line: line N of the report is jsonLines[N - 1].
    let lines = jsonLines.map { $0.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ") }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-schema-\(UUID().uuidString).jsonl")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    guard let result = runSchemaValidator([name, file.path], sourceLocation: sourceLocation), result.status != 0 else { return }
    // Quote the first few documents the report names, so a failure shows what was checked.
    var quoted: [String] = []
    for line in result.output.split(separator: "\n") where line.hasPrefix("line ") && quoted.count < 5 {
        guard let number = Int(line.dropFirst(5).prefix { $0.isNumber }), lines.indices.contains(number - 1),
              !quoted.contains(where: { $0.hasPrefix("line \(number): ") }) else { continue }
        let document = lines[number - 1]
        quoted.append("line \(number): \(document.count > 2000 ? String(document.prefix(2000)) + "..." : document)")
    }
    Issue.record("""
        \(jsonLines.count == 1 ? "the document does" : "documents do") not match \(name).schema.json:
        \(result.output)
        the documents (line N: jsonLines[N - 1]):
        \(quoted.joined(separator: "\n"))
        """, sourceLocation: sourceLocation)
}

/// Checks every schema in schemas/ is a valid 2020-12 schema whose $refs resolve, and that every
/// `examples` and `default` in it satisfies the (sub)schema it belongs to.
func expectSchemasAndExamplesValid(sourceLocation: SourceLocation = #_sourceLocation) {
    if let result = runSchemaValidator(["--examples"], sourceLocation: sourceLocation), result.status != 0 {
        Issue.record("schemas/ or their examples are invalid:\n\(result.output)", sourceLocation: sourceLocation)
    }
}

/// The Python that runs scripts/validate-json.py: WINNOW_SCHEMA_PYTHON, else /usr/bin/python3
/// (Debian's, where python3-jsonschema installs; a python3 earlier on PATH may lack it).
var schemaValidatorPython: String {
    let override = ProcessInfo.processInfo.environment["WINNOW_SCHEMA_PYTHON"] ?? ""
    return override.isEmpty ? "/usr/bin/python3" : override
}

/// Runs scripts/validate-json.py with `arguments`: its exit status and its standard output and
/// error together. Nil, with an Issue recorded, when the validator cannot run at all (no Python,
/// no jsonschema): a missing validator must fail the test, not pass it.
func runSchemaValidator(_ arguments: [String], sourceLocation: SourceLocation) -> (status: Int32, output: String)? {
    let python = schemaValidatorPython
    let setup = "install python3 and python3-jsonschema (scripts/install-deps.sh), or point WINNOW_SCHEMA_PYTHON at a Python that has jsonschema >= 4.10"
    let process = Process()
    let script = repositoryRoot.appendingPathComponent("scripts/validate-json.py").path
    if python.contains("/") {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("cannot validate against the schemas: no Python at \(python); \(setup)", sourceLocation: sourceLocation)
            return nil
        }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script] + arguments
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch {
        Issue.record("cannot validate against the schemas: cannot run \(python): \(error); \(setup)", sourceLocation: sourceLocation)
        return nil
    }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    // 0: valid, 1: invalid documents; anything else means the validator itself did not work.
    guard status == 0 || status == 1 else {
        let why = status == 3 ? "the jsonschema package is missing for \(python)" : "\(python) scripts/validate-json.py exited \(status)"
        Issue.record("cannot validate against the schemas: \(why); \(setup)\n\(output)", sourceLocation: sourceLocation)
        return nil
    }
    return (status, output)
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
