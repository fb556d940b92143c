import Foundation
import Synchronization

/// `winnow score`'s progress on standard error. On a terminal: one live line, redrawn twice a
/// second (lines and groups done, of the total when it is known; candidates and tokens per
/// second; elapsed; ETA). Otherwise: a `key=value` line every `interval` seconds. Then a summary.
/// Quiet: only messages about lines that failed.
final class ScoreProgress: Sendable {
    private struct State {
        /// Totals at the start of this session (what a resumed run had done before).
        var before = ScoreTotals()
        var totals = ScoreTotals()
        var forwardSeconds = 0.0
        var liveLineShown = false
        var stopped = false
    }

    private let state = Mutex(State())
    private let wake = NSCondition()
    private let started = DispatchTime.now().uptimeNanoseconds
    private let quiet: Bool
    private let terminal: Bool
    private let interval: Double
    private let counter: LineCounter?
    private let done = DispatchSemaphore(value: 0)

    init(quiet: Bool, interval: Double, counter: LineCounter?, resumedFrom totals: ScoreTotals) {
        self.quiet = quiet
        terminal = isatty(STDERR_FILENO) == 1
        self.interval = interval
        self.counter = counter
        state.withLock {
            $0.before = totals
            $0.totals = totals
        }
        guard !quiet else {
            done.signal()
            return
        }
        let thread = Thread { [self] in
            report()
            done.signal()
        }
        thread.name = "winnow-score-progress"
        thread.start()
    }

    /// A chunk is written: its counts join the totals.
    func written(_ totals: ScoreTotals, forwardSeconds: Double) {
        state.withLock {
            $0.totals.add(totals)
            $0.forwardSeconds += forwardSeconds
        }
    }

    /// A message about one line (always shown, `--quiet` or not), above the live line.
    func message(_ text: String) {
        state.withLock { state in
            clearLiveLine(&state)
            FileHandle.standardError.write(Data("winnow score: \(text)\n".utf8))
        }
    }

    /// Stops the reports and prints the summary (unless quiet): "done", or "stopped" when the
    /// run failed before its end.
    func finish(completed: Bool = true) -> (totals: ScoreTotals, summary: String) {
        state.withLock { $0.stopped = true }
        wake.lock(); wake.broadcast(); wake.unlock()
        done.wait()
        return state.withLock { state in
            clearLiveLine(&state)
            let summary = "winnow score: \(completed ? "done" : "stopped") " + fields(state, final: true)
            if !quiet { FileHandle.standardError.write(Data((summary + "\n").utf8)) }
            return (state.totals, summary)
        }
    }

    private func report() {
        let period = terminal ? 0.5 : interval
        while true {
            wake.lock()
            if !state.withLock({ $0.stopped }) { _ = wake.wait(until: Date(timeIntervalSinceNow: period)) }
            wake.unlock()
            let stop = state.withLock { state -> Bool in
                guard !state.stopped else { return true }
                if terminal {
                    let line = liveLine(state)
                    FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
                    state.liveLineShown = true
                } else {
                    FileHandle.standardError.write(Data(("winnow score: progress " + fields(state, final: false) + "\n").utf8))
                }
                return false
            }
            if stop { return }
        }
    }

    private func clearLiveLine(_ state: inout State) {
        guard state.liveLineShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        state.liveLineShown = false
    }

    private var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }

    /// Work done in this session (a resumed run's earlier work is not in its rates).
    private func session(_ state: State) -> (candidates: Int, tokens: Int, lines: Int) {
        (state.totals.candidates - state.before.candidates, state.totals.tokens - state.before.tokens,
         state.totals.lines - state.before.lines)
    }

    /// Seconds left at this session's rate of lines, when the total is known.
    private func eta(_ state: State) -> Double? {
        guard let total = counter?.value, total >= state.totals.lines else { return nil }
        let rate = Double(session(state).lines) / max(elapsed, 1e-9)
        guard rate > 0 else { return nil }
        return Double(total - state.totals.lines) / rate
    }

    private func liveLine(_ state: State) -> String {
        let t = state.totals, now = session(state), seconds = max(elapsed, 1e-9)
        var line = "lines \(t.lines)"
        if let total = counter?.value { line += "/\(total)" }
        line += "  groups \(t.groups)  errors \(t.errors)"
        line += String(format: "  %.1f cand/s  %.0f tok/s  ", Double(now.candidates) / seconds, Double(now.tokens) / seconds)
        line += Self.clock(seconds)
        if let eta = eta(state) { line += "  ETA \(Self.clock(eta))" }
        return line
    }

    /// `key=value` fields: progress lines and the summary.
    private func fields(_ state: State, final: Bool) -> String {
        let t = state.totals, now = session(state), seconds = max(elapsed, 1e-9)
        var out = "lines=\(t.lines)"
        if !final, let total = counter?.value { out += " lines_total=\(total)" }
        out += " groups=\(t.groups) candidates=\(t.candidates) tokens=\(t.tokens) errors=\(t.errors)"
        if final {
            out += " output_lines=\(t.outputLines)"
            if t.rejectionCandidates > 0 {
                out += " accepted=\(t.accepted)" + String(format: " acceptance_rate=%.4f", Double(t.accepted) / Double(t.rejectionCandidates))
            }
            out += " pairs=\(t.pairs)"
        }
        out += String(format: " candidates_per_s=%.2f tokens_per_s=%.1f elapsed_s=%.1f forward_share=%.4f",
                      Double(now.candidates) / seconds, Double(now.tokens) / seconds, seconds, state.forwardSeconds / seconds)
        if !final, let eta = eta(state) { out += String(format: " eta_s=%.0f", eta) }
        return out
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
