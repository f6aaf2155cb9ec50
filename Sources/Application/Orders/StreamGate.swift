/// Queues the decisions of one process that would write the same streams, so that they take
/// turns instead of racing: with optimistic concurrency alone, N checkouts of one popular SKU or
/// one limited coupon each retry up to N times, and the retries, not the work, fill the machine.
///
/// Correctness does not rest on it — appends still expect versions, which is what keeps other
/// processes honest — it only spares the retries inside this one.
public actor StreamGate {
    /// Held keys, each with the callers waiting for it, first come first served.
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init() {}

    /// Runs `body` holding every key (taken in sorted order, so two callers never hold one each
    /// of two keys they both want).
    public nonisolated func withKeys<Value: Sendable>(_ keys: Set<String>, _ body: () async throws -> Value) async throws -> Value {
        let ordered = keys.sorted()
        for key in ordered { await acquire(key) }
        do {
            let value = try await body()
            for key in ordered.reversed() { await release(key) }
            return value
        } catch {
            for key in ordered.reversed() { await release(key) }
            throw error
        }
    }

    private func acquire(_ key: String) async {
        guard waiting[key] != nil else {
            waiting[key] = []
            return
        }
        await withCheckedContinuation { waiting[key]!.append($0) }
    }

    private func release(_ key: String) {
        guard var queue = waiting[key] else { return }
        if queue.isEmpty {
            waiting[key] = nil
        } else {
            let next = queue.removeFirst()
            waiting[key] = queue
            next.resume()
        }
    }
}
