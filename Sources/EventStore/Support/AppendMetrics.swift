import Metrics

/// What appends report through swift-metrics: exported on `/metrics` by a process that
/// bootstraps a metrics backend (the executables do), dropped otherwise. Created on first use,
/// which comes after the bootstrap.
enum AppendMetrics {
    /// Events written (idempotent replays of stored events are not).
    static let events = Counter(label: "commerce_events_appended")
    /// Append requests committed: each one or more streams, all or nothing.
    static let appends = Counter(label: "commerce_appends")
    /// Appends refused because a stream was not at the expected version.
    static let conflicts = Counter(label: "commerce_append_conflicts")
    /// Database transactions that carried appends (group commit puts several requests in one).
    static let batches = Counter(label: "commerce_append_batches")
    /// From an append's call to its commit, waiting for its batch included.
    static let duration = Metrics.Timer(label: "commerce_append_duration_seconds")

    static func appended(_ results: [AppendResult]) {
        appends.increment()
        let written = results.filter { !$0.alreadyStored }.reduce(Int64(0)) { $0 + $1.lastVersion - $1.firstVersion + 1 }
        if written > 0 { events.increment(by: written) }
    }
}
