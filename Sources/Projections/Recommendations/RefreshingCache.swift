import Logging
import Synchronization

/// Values read from the database in batches and shared by the requests of this process, never
/// older than ``maximumAge`` when served. A value past a random half to three quarters of that age
/// is still served, while one task reads it again in the background, so that a value asked for
/// often is never waited for; one past the whole age is read again before it is served. The
/// random point keeps values read together from being read again together.
final class RefreshingCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Reads the values of some keys; a key left out of the answer is not kept.
    typealias Read = @Sendable ([Key]) async throws -> [Key: Value]

    private struct Entry {
        let value: Value
        let readAt: ContinuousClock.Instant
        /// When a request seeing it starts reading it again.
        let refreshAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var weight = 0
        /// Keys being read again in the background.
        var refreshing: Set<Key> = []
    }

    let maximumAge: Duration
    /// Past this much weight in all, values too old to serve are dropped when more are stored,
    /// and all of them if that is not enough (a bound on memory, not a working set).
    let capacity: Int
    let weight: @Sendable (Value) -> Int
    let logger: Logger
    private let state = Mutex(State())

    init(maximumAge: Duration, capacity: Int, logger: Logger, weight: @escaping @Sendable (Value) -> Int = { _ in 1 }) {
        self.maximumAge = maximumAge
        self.capacity = capacity
        self.logger = logger
        self.weight = weight
    }

    /// The values of `keys`: those young enough from memory (starting their refresh when due),
    /// the rest — or, when `fresh`, all — read now in one call of `read`.
    func values(for keys: [Key], fresh: Bool, read: @escaping Read) async throws -> [Key: Value] {
        let now = ContinuousClock.now
        var found: [Key: Value] = [:]
        var missing: [Key] = []
        var due: [Key] = []
        if fresh {
            missing = keys
        } else {
            state.withLock { state in
                for key in keys {
                    guard let entry = state.entries[key], now - entry.readAt < maximumAge else {
                        missing.append(key)
                        continue
                    }
                    found[key] = entry.value
                    if now >= entry.refreshAt, !state.refreshing.contains(key) {
                        due.append(key)
                        state.refreshing.insert(key)
                    }
                }
            }
        }
        if !due.isEmpty {
            Task { [due] in
                defer { self.state.withLock { $0.refreshing.subtract(due) } }
                let started = ContinuousClock.now
                do {
                    self.store(try await read(due), readAt: started)
                } catch {
                    // Served from memory until its age runs out, then read by a request.
                    self.logger.debug("a cached value was not read again", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
        }
        guard !missing.isEmpty else { return found }
        let read = try await read(missing)
        store(read, readAt: now)
        return found.merging(read) { kept, _ in kept }
    }

    private func store(_ values: [Key: Value], readAt: ContinuousClock.Instant) {
        let adding = values.values.reduce(0) { $0 + weight($1) }
        state.withLock { state in
            if state.weight + adding > capacity {
                let now = ContinuousClock.now
                state.entries = state.entries.filter { now - $0.value.readAt < maximumAge }
                if state.entries.values.reduce(0, { $0 + weight($1.value) }) + adding > capacity { state.entries.removeAll() }
                state.weight = state.entries.values.reduce(0) { $0 + weight($1.value) }
            }
            for (key, value) in values {
                // A background read that finished after a newer one keeps the newer.
                if let kept = state.entries[key], kept.readAt > readAt { continue }
                state.weight += weight(value) - (state.entries[key].map { weight($0.value) } ?? 0)
                state.entries[key] = Entry(value: value, readAt: readAt, refreshAt: readAt + maximumAge * Double.random(in: 0.5...0.75))
            }
        }
    }
}
