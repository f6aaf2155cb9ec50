import EventStore
import Foundation
import Synchronization

/// Shows a long audit's or import's progress on standard error: a bar redrawn in place on a terminal,
/// a plain line every few seconds otherwise (a log, CI), and the throughput either way.
final class ProgressReporter: Sendable {
    private struct State {
        var lastDraw = ContinuousClock.now - .seconds(60)
        var drewBar = false
    }

    private let label: String
    private let started = ContinuousClock.now
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let state = Mutex(State())

    init(_ label: String) {
        self.label = label
    }

    func report(_ progress: AuditProgress) {
        let rate = Self.rate(progress.eventsRead, since: started, now: .now)
        draw(
            fraction: progress.fraction,
            bar: "\(progress.eventsRead) events, position \(progress.position)/\(progress.lastPosition), \(rate)",
            line: "\(progress.eventsRead) events, position \(progress.position) of \(progress.lastPosition), \(rate)"
        )
    }

    /// Draws `done` of `total` things (products checked, rows written); the last step always.
    func report(done: Int, of total: Int, _ things: String) {
        draw(fraction: total == 0 ? 1 : Double(done) / Double(total), bar: "\(done)/\(total) \(things)", line: "\(done) of \(total) \(things)", always: done == total)
    }

    /// The bar with `bar` after it on a terminal (every 100 ms at most), else a plain line with
    /// `line` (every 5 s at most).
    private func draw(fraction: Double, bar: String, line plain: String, always: Bool = false) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            guard always || now - state.lastDraw >= (isTerminal ? .milliseconds(100) : .seconds(5)) else { return nil }
            state.lastDraw = now
            state.drewBar = isTerminal
            let width = 30
            let filled = Int(fraction * Double(width))
            let percent = String(format: "%5.1f%%", fraction * 100)
            if isTerminal {
                return "\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(percent) \(bar)\u{1B}[K"
            }
            return "\(label): \(percent), \(plain)\n"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends the bar's line, so what is printed next starts on a line of its own.
    func finish() {
        if state.withLock({ $0.drewBar }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// The elapsed time and the throughput of `events` since the start.
    func summary(events: Int) -> String {
        let seconds = Self.seconds(ContinuousClock.now - started)
        return String(format: "%.2f s, %@", seconds, Self.rate(events, since: started, now: .now))
    }

    private static func rate(_ events: Int, since start: ContinuousClock.Instant, now: ContinuousClock.Instant) -> String {
        let seconds = max(seconds(now - start), 0.000_001)
        return "\(Int(Double(events) / seconds)) events/s"
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
