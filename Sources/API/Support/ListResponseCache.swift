import Synchronization

/// Encoded answers to list queries that many shoppers ask alike (trending, a product's
/// recommendations, a customer's own lists), kept for up to ``maximumAge`` per query (5 seconds
/// by default: recommendations may lag the shop by that much, while making one afresh costs a
/// few milliseconds of queries and scoring). Asking again within it costs no query and no
/// encoding. A query with `minPosition` (read-your-writes) is answered afresh, and its answer
/// kept for the next. Each answer is kept for a random half to whole of the age, so that answers
/// made together (a storefront's first burst) do not all expire in the same instant, which would
/// make every such query miss at once, each second. Bounded by the bytes it holds: past
/// ``capacity``, answers too old to serve are dropped when more are stored, and all of them if
/// that is not enough.
final class ListResponseCache: Sendable {
    private struct Entry {
        let bytes: [UInt8]
        let expiresAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
    }

    let maximumAge: Duration
    let capacity: Int
    private let state = Mutex(State())

    init(maximumAge: Duration = .seconds(5), capacity: Int = 16 << 20) {
        self.maximumAge = maximumAge
        self.capacity = capacity
    }

    /// The bytes of the answers kept now.
    var heldBytes: Int { state.withLock { $0.bytes } }

    /// The answer kept for `key` if young enough and not `afresh`, else the one `make` encodes
    /// (kept for the next asker; an error is not kept).
    func body(for key: String, afresh: Bool, make: () async throws -> [UInt8]) async throws -> RawJSONBody {
        let now = ContinuousClock.now
        if !afresh, let kept = state.withLock({ state in state.entries[key].flatMap { now < $0.expiresAt ? $0.bytes : nil } }) {
            return RawJSONBody(bytes: kept)
        }
        let bytes = try await make()
        let stored = ContinuousClock.now
        state.withLock { state in
            if state.bytes + bytes.count > capacity {
                state.entries = state.entries.filter { stored < $0.value.expiresAt }
                state.bytes = state.entries.values.reduce(0) { $0 + $1.bytes.count }
                if state.bytes + bytes.count > capacity {
                    state.entries.removeAll(keepingCapacity: true)
                    state.bytes = 0
                }
            }
            state.bytes += bytes.count - (state.entries[key]?.bytes.count ?? 0)
            state.entries[key] = Entry(bytes: bytes, expiresAt: stored + maximumAge * Double.random(in: 0.5...1))
        }
        return RawJSONBody(bytes: bytes)
    }
}
