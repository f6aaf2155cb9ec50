import Foundation
import Logging
import PostgresNIO
import Synchronization

/// This process's ``CatalogSnapshot``, as fresh as the tables for every listing: each
/// ``current()`` sees every change committed before it was called. It asks the tables which rows
/// changed since the snapshot (by their change sequences, `0024_change_sequences.sql` and
/// `0033_rating_changes.sql`: one small statement over indexes) and reads only those products
/// again; the first call, a rebuilt table (a new table under the same name) or a new currency
/// reads every product.
///
/// Concurrent callers share the checks: while one runs, the callers that arrive meanwhile wait
/// for one more that starts when it ends (the running one may have begun before their write
/// was committed), so a busy server makes about one check per round trip, not one per request.
final class CatalogIndex: Sendable {
    private struct Check: Sendable {
        let number: Int
        let task: Task<CatalogSnapshot, any Error>
    }

    private struct State {
        var snapshot: CatalogSnapshot?
        var running: Check?
        /// Starts when `running` ends; every caller that finds it waits for it.
        var queued: Check?
        var checks = 0
        /// Snapshots read whole so far: products keep their numbers only within one.
        var generations = 0
    }

    let client: PostgresClient
    let logger: Logger
    private let state = Mutex(State())

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The snapshot with every change committed before this call.
    func current() async throws -> CatalogSnapshot {
        let check: Check = state.withLock { state in
            if let queued = state.queued { return queued }
            state.checks += 1
            let number = state.checks
            let after = state.running?.task
            let check = Check(number: number, task: Task { try await self.check(number: number, after: after) })
            if after == nil { state.running = check } else { state.queued = check }
            return check
        }
        return try await check.task.value
    }

    private func check(number: Int, after previous: Task<CatalogSnapshot, any Error>?) async throws -> CatalogSnapshot {
        // Only its end matters: a failed check failed its own callers; this one reads afresh.
        if let previous { _ = try? await previous.value }
        let snapshot: CatalogSnapshot? = state.withLock { state in
            if state.queued?.number == number {
                state.running = state.queued
                state.queued = nil
            }
            return state.snapshot
        }
        defer { state.withLock { state in if state.running?.number == number { state.running = nil } } }
        let updated = try await read(after: snapshot)
        state.withLock { $0.snapshot = updated }
        return updated
    }

    /// The snapshot as the tables are now: `previous` with the products changed since read again,
    /// or, with none (or after a rebuild, or with a new currency), every product.
    private func read(after previous: CatalogSnapshot?) async throws -> CatalogSnapshot {
        // The changes first: a row changed while the products are read has a greater number than
        // seen here, and is read again next time.
        let seenBefore = previous?.seen
        let rows = try await client.query(
            """
            SELECT product_id, changed, 0 FROM catalog_products WHERE changed > \(seenBefore?.catalog ?? .max)
            UNION ALL
            SELECT product_id, changed, 0 FROM catalog_variants WHERE changed > \(seenBefore?.catalog ?? .max) AND product_id IS NOT NULL
            UNION ALL
            SELECT product_id, changed, 1 FROM rec_products WHERE changed > \(seenBefore?.orders ?? .max)
            UNION ALL
            SELECT product_id, changed, 2 FROM product_ratings WHERE changed > \(seenBefore?.ratings ?? .max)
            UNION ALL
            SELECT NULL, greatest((SELECT max(changed) FROM catalog_products), (SELECT max(changed) FROM catalog_variants)), 0
            UNION ALL
            SELECT NULL, (SELECT max(changed) FROM catalog_products), 4
            UNION ALL
            SELECT NULL, (SELECT max(changed) FROM rec_products), 1
            UNION ALL
            SELECT NULL, (SELECT max(changed) FROM product_ratings), 2
            UNION ALL
            SELECT NULL, oid::int8, 3 FROM pg_class
            WHERE oid IN ('catalog_products'::regclass, 'catalog_variants'::regclass, 'rec_products'::regclass, 'product_ratings'::regclass)
            """,
            logger: logger
        )
        var seen = CatalogSnapshot.ChangesSeen()
        var changed: Set<String> = []
        for try await (product, number, source) in rows.decode((String?, Int64?, Int32).self) {
            guard let number else { continue }
            if let product { changed.insert(product) }
            switch source {
            case 0: seen.catalog = max(seen.catalog, number)
            case 1: seen.orders = max(seen.orders, number)
            case 2: seen.ratings = max(seen.ratings, number)
            case 4: seen.products = number
            default: seen.tables.append(number)
            }
        }
        seen.tables.sort()
        if var snapshot = previous, snapshot.seen.tables == seen.tables {
            if changed.isEmpty {
                snapshot.seen = seen
                return snapshot
            }
            let ids = changed.sorted()
            // A price in a currency the snapshot has no column for: every product again.
            if try await currencies(of: ids).isSubset(of: snapshot.currencies) {
                let rows = try await products(ids, currencies: snapshot.currencies)
                snapshot.put(contentsOf: rows)
                // A product no longer in the table (the projection never deletes one) leaves the listings.
                let read = Set(rows.map(\.id))
                for id in ids where !read.contains(id) { snapshot.remove(id) }
                snapshot.seen = seen
                return snapshot
            }
        }
        let currencies = try await self.currencies(of: nil).sorted()
        let generation = state.withLock { state in
            state.generations += 1
            return state.generations
        }
        var snapshot = CatalogSnapshot(currencies: currencies, seen: seen, generation: generation)
        snapshot.put(contentsOf: try await products(nil, currencies: currencies))
        return snapshot
    }
}
