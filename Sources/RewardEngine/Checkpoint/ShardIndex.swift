import Foundation
import WinnowJSON

/// `model.safetensors.index.json`: which shard file holds each tensor.
///
/// Shard names come from the file, so each is confined to the model: a relative path with no
/// `..`, whose target (symlinks followed) lies inside the model directory or, for a Hugging
/// Face cache snapshot, inside its cache entry (snapshot files link into `../../blobs/`).
struct ShardIndex {
    /// Tensor name -> shard name, as the index gives it.
    let weightMap: [String: String]
    /// The distinct shard files, in name order.
    let shards: [URL]

    init(url: URL, directory: URL) throws {
        let path = url.path
        guard let data = FileManager.default.contents(atPath: path) else { throw CheckpointError.unreadableFile(path, "cannot read the file") }
        let json: JSONValue
        do {
            json = try JSONValue(jsonBytes: data)
        } catch {
            throw CheckpointError.malformedHeader(path, "not JSON (\(error))")
        }
        var weightMap: [String: String] = [:]
        guard case .object(let map)? = json["weight_map"] else {
            throw CheckpointError.malformedHeader(path, "no weight_map object of tensor names to shard file names")
        }
        for (tensor, shard) in map {
            guard let shard = shard.string else {
                throw CheckpointError.malformedHeader(path, "no weight_map object of tensor names to shard file names")
            }
            weightMap[tensor] = shard
        }
        let root = try Self.confinement(of: directory)
        var shards: [URL] = []
        for name in Set(weightMap.values).sorted() {
            shards.append(try Self.resolve(shard: name, in: directory, root: root, indexPath: path))
        }
        self.weightMap = weightMap
        self.shards = shards
    }

    /// The real path every shard must resolve inside: the cache entry for a snapshot
    /// (`.../models--ORG--NAME/snapshots/REV`), else the directory itself.
    static func confinement(of directory: URL) throws -> String {
        let standardized = directory.standardizedFileURL
        let parent = standardized.deletingLastPathComponent()
        let root = parent.lastPathComponent == "snapshots" ? parent.deletingLastPathComponent() : standardized
        guard let real = realPath(root.path) else { throw CheckpointError.notADirectory(directory.path) }
        return real
    }

    /// The URL of shard `name`, refused when the name or its symlink target leaves `root`.
    static func resolve(shard name: String, in directory: URL, root: String, indexPath: String) throws -> URL {
        func refuse(_ reason: String) -> CheckpointError {
            .invalidField(file: indexPath, field: "weight_map", reason: "names shard \"\(name)\", \(reason)")
        }
        guard !name.isEmpty, !name.contains("\0") else { throw refuse("which is not a file name") }
        guard !name.hasPrefix("/") else { throw refuse("an absolute path; shards must be inside the model directory") }
        guard !name.split(separator: "/", omittingEmptySubsequences: false).contains("..") else {
            throw refuse("which leaves the model directory through ..")
        }
        let file = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: file.path) else { throw CheckpointError.missingFile(file.path) }
        guard let real = realPath(file.path) else { throw CheckpointError.missingFile(file.path) }
        guard real.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw refuse("a link to \(real), outside the model directory")
        }
        return file
    }

    /// `realpath(3)`: the absolute path with every symlink followed, or nil when it does not resolve.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
