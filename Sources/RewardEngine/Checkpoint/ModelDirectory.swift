import Foundation

/// Where a checkpoint's files are: a plain Hugging Face model directory, or an entry of the
/// Hugging Face cache (`models--ORG--NAME/snapshots/REV/`, files symlinked into `blobs/`).
public struct ModelDirectory: Sendable {
    /// The directory that holds `config.json` and the weights.
    public let url: URL
    /// The snapshot revision when loaded from the cache layout, else nil.
    public let revision: String?
    /// A human name: `ORG/NAME` for a cache entry, the directory name otherwise.
    public let name: String

    /// Resolves `path`, which may be a model directory, a cache entry `models--ORG--NAME`
    /// (the snapshot named by `refs/main`, or its only snapshot), or a snapshot directory.
    public init(path: String, revision requested: String? = nil) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError.notADirectory(path)
        }
        let snapshots = url.appendingPathComponent("snapshots")
        if fm.fileExists(atPath: snapshots.path) {
            let available = ((try? fm.contentsOfDirectory(atPath: snapshots.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            let revision: String
            if let requested {
                revision = try Self.resolve(reference: requested, in: url) ?? requested
            } else if let main = try Self.resolve(reference: "main", in: url) {
                revision = main
            } else if available.count == 1 {
                revision = available[0]
            } else {
                throw CheckpointError.notADirectory("\(path) has \(available.count) snapshots and no refs/main; pass a revision")
            }
            guard available.contains(revision) else {
                throw CheckpointError.missingFile(snapshots.appendingPathComponent(revision).path)
            }
            self.url = snapshots.appendingPathComponent(revision)
            self.revision = revision
            self.name = Self.repositoryName(cacheEntry: url.lastPathComponent)
        } else {
            self.url = url
            let parent = url.deletingLastPathComponent()
            if parent.lastPathComponent == "snapshots" {
                self.revision = url.lastPathComponent
                self.name = Self.repositoryName(cacheEntry: parent.deletingLastPathComponent().lastPathComponent)
            } else {
                self.revision = nil
                self.name = url.lastPathComponent
            }
        }
        let config = self.url.appendingPathComponent("config.json")
        guard fm.fileExists(atPath: config.path) else { throw CheckpointError.missingFile(config.path) }
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    private static func resolve(reference: String, in entry: URL) throws -> String? {
        let ref = entry.appendingPathComponent("refs").appendingPathComponent(reference)
        guard let data = FileManager.default.contents(atPath: ref.path) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `models--Skywork--Skywork-Reward-V2-Qwen3-0.6B` -> `Skywork/Skywork-Reward-V2-Qwen3-0.6B`.
    private static func repositoryName(cacheEntry: String) -> String {
        guard cacheEntry.hasPrefix("models--") else { return cacheEntry }
        return cacheEntry.dropFirst("models--".count).replacingOccurrences(of: "--", with: "/")
    }
}
