import Foundation
@testable import RewardEngine

/// A parity fixture made by scripts/make-parity-fixtures.py: a tiny checkpoint and the
/// scores transformers (eager, float32, reloaded from the bf16 files) gave its sequences.
struct ParityFixture {
    struct Sequence: Decodable {
        var input_ids: [Int32]
        var score: Double
    }
    struct Expected: Decodable { var sequences: [Sequence] }

    let name: String
    let directory: URL
    let sequences: [Sequence]

    init(_ name: String) throws {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureError("the Fixtures resource folder is missing from the test bundle")
        }
        self.name = name
        directory = root.appendingPathComponent(name)
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        sequences = try JSONDecoder().decode(Expected.self, from: data).sequences
    }

    /// The parity bound of the engine issue: |winnow − transformers| ≤ 1e-3 · max(1, |score|).
    static func relativeError(_ got: Float, _ expected: Double) -> Double {
        abs(Double(got) - expected) / max(1, abs(expected))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A scratch directory removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    /// Copies every file of `source` into a new subdirectory `name`.
    func copy(_ source: URL, as name: String) throws -> URL {
        let destination = url.appendingPathComponent(name)
        try FileManager.default.copyItem(at: source, to: destination)
        return destination
    }
}

/// Writes safetensors files, so tests can re-store a fixture in another dtype or break it.
enum SafeTensorsWriter {
    struct Tensor {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: Data
    }

    static func write(_ tensors: [Tensor], to url: URL, headerOverride: ((inout [String: Any]) -> Void)? = nil) throws {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for t in tensors {
            header[t.name] = ["dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]]
            offset += t.bytes.count
        }
        headerOverride?(&header)
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        for t in tensors { file.append(t.bytes) }
        try file.write(to: url)
    }

    /// Every tensor of `store` re-encoded as `dtype` ("F32" or "F16").
    static func reencode(_ store: WeightStore, as dtype: String) -> [Tensor] {
        store.tensors.values.sorted { $0.name < $1.name }.map { view in
            let floats = FloatBuffer(count: view.elementCount)
            decode(view, into: floats.pointer, count: view.elementCount)
            let values = UnsafeBufferPointer(start: floats.pointer, count: view.elementCount)
            let bytes: Data
            if dtype == "F16" {
                bytes = values.map { Float16($0).bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
            } else {
                bytes = values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
            }
            return Tensor(name: view.name, dtype: dtype, shape: view.shape, bytes: bytes)
        }
    }
}
