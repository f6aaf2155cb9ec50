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
/// Every append takes a transaction id *before* drawing a position. So if a reader reads the
/// sequence's last value `L` and, in a later statement, takes a snapshot `S`, every event at a
/// position ≤ `L` belongs to a transaction whose id is below `xmax(S)`. Once some snapshot has
/// `xmin ≥ xmax(S)`, all those transactions have ended, committed or rolled back, and the
/// events at positions ≤ `L` are final: `L` is *safe*. Readers only return events up to the
/// newest safe position. This needs no lock and no timeout; rolled-back positions simply never
/// appear. With no writer busy, `L` is safe at once; under load, one poll later.
///
/// A transaction that stays open holds the frontier back (any transaction with an id, since
/// Postgres snapshots do not say which ones append events). That is deliberate: it is reported
/// by ``PostgresEventStore/frontierStatus()``, never resolved by dropping events.
struct SafeFrontier: Sendable {
    struct Candidate: Sendable {
        let position: Int64
        let xmax: UInt64
        let observedAt: Date
    }

    /// Every position up to this one is final.
    private(set) var safePosition: Int64 = 0
    /// Newest sequence value seen (the head of the store, committed or not).
    private(set) var headPosition: Int64 = 0
    /// Candidates waiting for their transactions to end, in ascending position and xmax.
    private(set) var pending: [Candidate] = []

    /// Bounded so that a transaction left open for hours cannot grow the list without limit;
    /// dropping middle candidates only makes the frontier advance in larger steps.
    static let maximumPending = 64

    /// Records a sequence value `head` that was read before a snapshot with these bounds was taken,
    /// and advances the frontier with what that snapshot proves.
    mutating func observe(head: Int64, snapshotXmin: UInt64, snapshotXmax: UInt64, now: Date = Date()) {
        headPosition = max(headPosition, head)
        while let first = pending.first, first.xmax <= snapshotXmin {
            safePosition = max(safePosition, first.position)
            pending.removeFirst()
        }
        if snapshotXmax <= snapshotXmin {
            // No transaction with an id was running: the head is final now.
            safePosition = max(safePosition, head)
            pending.removeAll { $0.position <= head }
        } else if head > safePosition, head > (pending.last?.position ?? 0) {
            pending.append(Candidate(position: head, xmax: snapshotXmax, observedAt: now))
            if pending.count > Self.maximumPending {
                pending.remove(at: Self.maximumPending / 2)
            }
        }
    }

    /// When the oldest still-pending candidate was seen: how long the frontier has been held back.
    var blockedSince: Date? { pending.first?.observedAt }
}
