import Foundation

/// Input lines, decoded, rendered and tokenized, a chunk at a time: the first stage of
/// `winnow score`'s pipeline.
///
/// A chunk is `chunkLines` non-blank lines, or fewer that reach `chunkTokens` tokens, from where
/// the previous chunk's answers end. Separate
/// lines that share a prompt are scored as one group only inside one chunk, so a chunk never
/// ends inside such a run: the trailing run of single-sequence lines sharing a prefix with the
/// last one is held back to start the next chunk, or, when the run is the whole chunk, the
/// chunk grows to the run's end. Which lines a chunk holds depends only on where it starts, so a run resumed at a
/// chunk boundary forms the same chunks, scores the same packed passes and writes the same
/// bytes as an uninterrupted one.
final class ChunkReader {
    struct Line {
        /// Index of the physical input line (0-based, across all inputs).
        var index: Int
        var outcome: InputEncoder.Outcome

        /// Tokens the line sends through the model (before shared prefixes are merged).
        var tokens: Int {
            switch outcome {
            case .sequence(_, let ids): return ids.count
            case .group(_, let sequences, _): return sequences.reduce(0) { $0 + $1.count }
            case .failure: return 0
            }
        }
    }

    struct Chunk {
        var lines: [Line]
        /// Input lines answered once this chunk is written (blank lines included).
        var endLine: Int
    }

    private let input: InputLines
    private let encoder: InputEncoder
    private let chunkLines: Int
    private let chunkTokens: Int
    private let minimumSharedPrefix: Int
    private var held: [Line] = []
    private var lastEnd: Int

    init(input: InputLines, encoder: InputEncoder, chunkLines: Int, chunkTokens: Int = .max, minimumSharedPrefix: Int = 16) {
        self.input = input
        self.encoder = encoder
        self.chunkLines = max(1, chunkLines)
        self.chunkTokens = max(1, chunkTokens)
        self.minimumSharedPrefix = minimumSharedPrefix
        lastEnd = input.linesRead
    }

    func next() throws -> Chunk? {
        var lines = held
        held = []
        var tokens = lines.reduce(0) { $0 + $1.tokens }
        var exhausted = false
        while lines.count < chunkLines && tokens < chunkTokens {
            guard let line = try nextLine() else {
                exhausted = true
                break
            }
            lines.append(line)
            tokens += line.tokens
        }
        var end = input.linesRead
        let run = exhausted ? 0 : trailingSharedRun(lines)
        if run > 0 && run < lines.count {
            held = Array(lines.suffix(run))
            lines.removeLast(run)
            end = held[0].index
        } else if run > 0 && run == lines.count {
            // One prompt fills the chunk: take the rest of its lines too (up to a group's most
            // candidates); the first line of another prompt starts the next chunk.
            while lines.count < chunkLines + InputEncoder.maximumCandidates, let line = try nextLine() {
                guard sharesPrefix(line, lines[lines.count - 1]) else {
                    held = [line]
                    end = line.index
                    break
                }
                lines.append(line)
                end = input.linesRead
            }
        }
        guard !lines.isEmpty || end > lastEnd else { return nil }
        lastEnd = end
        return Chunk(lines: lines, endLine: end)
    }

    /// The next non-blank line, encoded.
    private func nextLine() throws -> Line? {
        while let text = try input.nextLine() {
            if text.allSatisfy(\.isWhitespace) { continue }
            return Line(index: input.linesRead - 1, outcome: encoder.encode(line: text))
        }
        return nil
    }

    /// Both lines are single sequences whose first `minimumSharedPrefix` tokens agree: the model
    /// would score them as one group.
    private func sharesPrefix(_ a: Line, _ b: Line) -> Bool {
        guard case .sequence(_, let x) = a.outcome, case .sequence(_, let y) = b.outcome,
              x.count >= minimumSharedPrefix, y.count >= minimumSharedPrefix else { return false }
        return x.prefix(minimumSharedPrefix) == y.prefix(minimumSharedPrefix)
    }

    /// How many lines at the end share a prefix with the last one (0 when the last line is a
    /// group or an error).
    private func trailingSharedRun(_ lines: [Line]) -> Int {
        guard let last = lines.last else { return 0 }
        var run = 0
        for line in lines.reversed() {
            guard sharesPrefix(line, last) else { break }
            run += 1
        }
        return run
    }
}
