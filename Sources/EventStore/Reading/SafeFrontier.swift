import Foundation

/// Tracks how far `$all` may be read without ever skipping an event that commits later.
///
/// ## Why
/// Global positions come from a sequence when an event is appended, not when it commits, so
/// position 41 can become visible after 42. A reader that had moved past 42 would skip 41 for
/// ever. Marten's high-water mark and Axon's gap-aware tokens close such gaps after a timeout,
/// which loses events from a transaction slower than the timeout. A global append lock (as in
/// Message DB's category lock) avoids gaps by serialising writers. Neither is acceptable here.
///
/// ## How
/// Every append first takes a shared advisory lock that marks its transaction as an
/// *appender* (shared locks never conflict, so writers do not wait for each other), and only
/// then draws positions; it holds the lock until it ends. `pg_locks` shows each holder's
/// virtual transaction id, which every transaction has from its start. (The lock is
/// `pg_advisory_xact_lock_shared(1668246893, 1)`, taken by `append_events`; the two reads
/// below are one call of `events_frontier_probe`: ``FrontierProbeStatement``.)
///
/// A reader reads the sequence's last value `L`, then (later) the set `R` of appending
/// transactions running at that moment, from `pg_locks`. Any appender holding a position ≤ `L`
/// drew it before `L` was read, so it is either in `R` or had already ended. Once none of `R`
/// is running any more, every event at a position ≤ `L` is final (committed or rolled back):
/// `L` is *safe*, and the rows are then read with a snapshot taken after that check, which sees
/// every committed one. Readers never return events past the newest safe position. No write
/// lock, no timeout; rolled-back positions simply never appear. With no appender busy, `L` is
/// safe at once; under load, one poll later.
///
/// Readers sharing one frontier probe concurrently, on several connections, and their answers
/// may be recorded out of order. A list of appenders proves something only about candidates
/// seen before it was read, so each probe takes a tick of ``probeClock`` before it is sent, and
/// each candidate keeps the tick of when it was recorded: a list resolves only candidates
/// recorded before its probe was sent. (Otherwise a probe that saw no appender, recorded late,
/// would settle a newer candidate whose appender is still running, and readers would skip that
/// appender's events once it commits.)
///
/// Only appending transactions in this database count: a long read-model transaction, or
/// another database's traffic, does not hold readers back. An appending transaction left open
/// does, visibly: ``PostgresEventStore/frontierStatus()`` names it; nothing is ever dropped.
///
/// (A snapshot's `xmin`/`xmax` cannot stand in for `R`: `xmax` is one past the latest
/// *completed* transaction id, so a running transaction may hold a larger one, and `xmin`
/// would let any open transaction in the whole cluster hold readers back.)
struct SafeFrontier: Sendable {
    struct Candidate: Sendable {
        let position: Int64
        /// Virtual transaction ids of the appenders running when it was seen.
        let appenders: Set<String>
        let observedAt: Date
        /// The tick of ``SafeFrontier/probeClock`` when it was recorded.
        let recordedAt: UInt64
    }

    /// Every position up to this one is final.
    private(set) var safePosition: Int64 = 0
    /// Newest sequence value seen (the head of the store, committed or not).
    private(set) var headPosition: Int64 = 0
    /// Candidates waiting for their appenders to end, in ascending position.
    private(set) var pending: [Candidate] = []

    /// Bounded so that a transaction left open for hours cannot grow the list without limit;
    /// dropping a middle candidate only makes the frontier advance in a larger step later.
    static let maximumPending = 64

    /// Counts probes sent and answers recorded, in one order for every reader of the store.
    private(set) var probeClock: UInt64 = 0

    /// To be called just before a probe is sent; its tick goes to ``observe(head:runningAppenders:probeSentAt:now:)``.
    mutating func probeSent() -> UInt64 {
        probeClock += 1
        return probeClock
    }

    /// Records a head `head`, read before the appenders in `runningAppenders` were listed, by a
    /// probe sent at tick `probeSentAt`, and advances the frontier with what that proves.
    mutating func observe(head: Int64, runningAppenders: Set<String>, probeSentAt: UInt64, now: Date = Date()) {
        probeClock += 1
        headPosition = max(headPosition, head)
        // The newest candidate whose appenders have all ended makes everything up to it final;
        // only candidates recorded before this probe was sent can be judged by its list.
        if let resolved = pending.lastIndex(where: { $0.recordedAt < probeSentAt && $0.appenders.isDisjoint(with: runningAppenders) }) {
            safePosition = max(safePosition, pending[resolved].position)
            pending.removeFirst(resolved + 1)
        }
        if runningAppenders.isEmpty {
            safePosition = max(safePosition, head)
            pending.removeAll { $0.position <= head }
        } else if head > safePosition, head > (pending.last?.position ?? 0) {
            pending.append(Candidate(position: head, appenders: runningAppenders, observedAt: now, recordedAt: probeClock))
            if pending.count > Self.maximumPending {
                pending.remove(at: Self.maximumPending / 2)
            }
        }
    }

    /// When the oldest still-pending candidate was seen: how long the frontier has been held back.
    var blockedSince: Date? { pending.first?.observedAt }

    /// The appenders the frontier waits for.
    var awaitedAppenders: Set<String> { pending.first?.appenders ?? [] }
}
