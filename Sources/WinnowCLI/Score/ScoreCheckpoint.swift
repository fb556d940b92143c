import Foundation

/// The sidecar of a `winnow score` run writing to a file (`OUTPUT.checkpoint`): how many input
/// lines are fully answered in the output, how many output bytes hold those answers, and the
/// counts so far. It is replaced atomically (write, fsync, rename) after each chunk is written
/// and synced, so it never names bytes that are not on disk; `--resume` cuts the output back to
/// `outputBytes` (dropping a torn tail) and skips `inputLines`. A finished run removes it.
struct ScoreCheckpoint: Codable, Equatable {
    static let version = 1
    var version = Self.version
    /// What the output depends on (inputs, model, options): a resume must match it.
    var settings: [String: String]
    var inputLines = 0
    var outputBytes = 0
    var totals = ScoreTotals()

    enum CodingKeys: String, CodingKey {
        case version, settings, totals
        case inputLines = "input_lines"
        case outputBytes = "output_bytes"
    }

    static func path(forOutput output: String) -> String { output + ".checkpoint" }

    /// The checkpoint at `path`, nil if there is none.
    static func read(_ path: String) throws -> ScoreCheckpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let checkpoint: ScoreCheckpoint
        do {
            checkpoint = try JSONDecoder().decode(ScoreCheckpoint.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CommandFailure("cannot read the checkpoint \(path): \(error)")
        }
        guard checkpoint.version == version else {
            throw CommandFailure("the checkpoint \(path) is of version \(checkpoint.version); this winnow reads version \(version)")
        }
        return checkpoint
    }

    /// Replaces the file at `path` with this checkpoint, durably: a crash leaves the old one or
    /// the new one, never a mix.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        let temporary = path + ".tmp"
        func fail(_ what: String) -> CommandFailure {
            CommandFailure("cannot write the checkpoint \(path): \(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("open") }
        let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else {
            let error = fail("write")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw fail("rename") }
        // The rename itself is durable once the directory is synced.
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                             O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// A settings mismatch, described for the user, or nil.
    func mismatch(with settings: [String: String]) -> String? {
        let keys = Set(settings.keys).union(self.settings.keys).sorted()
        let differing = keys.filter { settings[$0] != self.settings[$0] }
        guard !differing.isEmpty else { return nil }
        return differing.map { "\($0): was \(self.settings[$0] ?? "unset"), now \(settings[$0] ?? "unset")" }.joined(separator: "; ")
    }
}

/// What a run has done, summed over chunks (and kept across a resume).
struct ScoreTotals: Codable, Equatable {
    /// Input lines answered (blank lines included).
    var lines = 0
    /// Non-blank input lines: each is scored or is an error.
    var records = 0
    var groups = 0
    var candidates = 0
    var tokens = 0
    var errors = 0
    /// Candidates of groups whose policy has a rejection section, and how many it accepted.
    var rejectionCandidates = 0
    var accepted = 0
    var pairs = 0
    var outputLines = 0

    mutating func add(_ other: ScoreTotals) {
        lines += other.lines; records += other.records; groups += other.groups; candidates += other.candidates; tokens += other.tokens
        errors += other.errors; rejectionCandidates += other.rejectionCandidates; accepted += other.accepted
        pairs += other.pairs; outputLines += other.outputLines
    }

    enum CodingKeys: String, CodingKey {
        case lines, records, groups, candidates, tokens, errors, accepted, pairs
        case rejectionCandidates = "rejection_candidates"
        case outputLines = "output_lines"
    }
}
