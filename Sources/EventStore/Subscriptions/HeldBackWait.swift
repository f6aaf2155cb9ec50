/// How long a reader of `$all` that found nothing new waits before reading again.
///
/// While an open append holds the frontier back, the wait starts at 5 ms and doubles up to
/// 100 ms as long as it stays held: the append's commit wakes the reader anyway, so the wait only
/// covers an appender in a process whose NOTIFY does not arrive, and many readers then do not
/// poll the database every few milliseconds. With nothing held back, the reader's idle wait.
public struct HeldBackWait: Sendable {
    static let shortest = Duration.milliseconds(5)
    static let longest = Duration.milliseconds(100)

    private var next = shortest

    public init() {}

    /// The wait after a read that found nothing new, `heldBack` when an open append held the
    /// frontier back (the page's head past its safe position); otherwise `idle`.
    public mutating func after(heldBack: Bool, otherwise idle: Duration) -> Duration {
        guard heldBack else {
            next = Self.shortest
            return idle
        }
        defer { next = min(next * 2, Self.longest) }
        return next
    }

    /// Starts again from the shortest wait: the reader found events.
    public mutating func reset() {
        next = Self.shortest
    }
}
