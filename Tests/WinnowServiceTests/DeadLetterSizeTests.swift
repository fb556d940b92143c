import Foundation
import Testing
@testable import WinnowService

/// Dead letters stay under the producer's size limit whatever the record, and say what they cut.
@Suite struct DeadLetterSizeTests {
    /// `sha256sum` (coreutils) on `bytes`: the reference digest.
    static func coreutilsSHA256(_ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-sha-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test("SHA-256 agrees with sha256sum on empty, padding-boundary and megabyte inputs", arguments: [0, 1, 55, 56, 63, 64, 65, 1_000_003])
    func sha256MatchesCoreutils(size: Int) throws {
        let bytes = Self.randomBytes(size, seed: UInt64(size) + 7)
        #expect(SHA256.hex(bytes) == (try Self.coreutilsSHA256(bytes)))
    }

    @Test("a dead letter of a 1.2 MB record fits under 1,000,000 bytes with the record's prefix, size and sha256, and matches the schema")
    func oversizedOriginalIsTruncated() throws {
        let original = Self.randomBytes(1_200_000, seed: 42)
        let limit = 1_000_000 - 512 - 5
        let letter = DeadLetter(.tooLong, String(repeating: "a long message ", count: 10_000))
        let text = letter.json(original: original, key: Array("k-1".utf8),
                               source: RecordSource(topic: "in", partition: 0, offset: 9),
                               groupID: String(repeating: "g", count: 5000), maxBytes: limit)
        #expect(text.utf8.count <= limit)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["original_truncated"] as? Bool == true)
        #expect(object["original_size"] as? Int == original.count)
        #expect(object["original_sha256"] as? String == (try Self.coreutilsSHA256(original)))
        let prefix = try #require((object["original"] as? String).flatMap { Data(base64Encoded: $0) })
        #expect(prefix.count > 600_000, "most of the room goes to the original")
        #expect([UInt8](prefix) == Array(original.prefix(prefix.count)))
        #expect((object["message"] as? String).map { $0.utf8.count < 2000 } == true)
        try expectMatchesSchema(object, "dead-letter")
    }

    @Test("a dead letter that fits keeps the whole original and no truncation fields")
    func smallOriginalIsWhole() throws {
        let original = Array("{\"group_id\": \"x\"}".utf8)
        let text = DeadLetter(.noCandidates, "none").json(original: original, key: nil,
                                                          source: RecordSource(topic: "in", partition: 1, offset: 2),
                                                          groupID: "x", maxBytes: 999_000)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["original_truncated"] == nil && object["original_sha256"] == nil)
        #expect((object["original"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } == original)
        try expectMatchesSchema(object, "dead-letter")
    }

    @Test("a huge key is replaced by its size and sha256 in an oversized dead letter")
    func hugeKeyIsSummarised() throws {
        let key = Array(String(repeating: "key", count: 400_000).utf8)
        let text = DeadLetter(.malformedJSON, "a tombstone").json(original: nil, key: key,
                                                                  source: RecordSource(topic: "in", partition: 0, offset: 0),
                                                                  groupID: nil, maxBytes: 100_000)
        #expect(text.utf8.count <= 100_000)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["key_truncated"] as? Bool == true)
        #expect(object["key_sha256"] as? String == (try Self.coreutilsSHA256(key)))
        try expectMatchesSchema(object, "dead-letter")
    }
}
