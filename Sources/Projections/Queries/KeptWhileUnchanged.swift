import Logging
import PostgresNIO
import Synchronization

/// A value made from the catalog's product rows, made again only when one of them changed (by
/// their change sequence, `0024_change_sequences.sql`). The catalog's words, for one, take
/// PostgreSQL a pass over every product's search words to gather (seconds at 100k products);
/// re-gathering them every half minute whether or not anything changed showed in the tail of
/// every search's latency.
final class KeptWhileUnchanged<Value: Sendable>: Sendable {
    private let kept = Mutex<(changed: Int64, value: Value)?>(nil)
    let client: PostgresClient
    let logger: Logger

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The kept value when no product row changed since it was made, else `make`'s.
    func value(make: () async throws -> Value) async throws -> Value {
        // Read before making: a change committed meanwhile has a greater number, and makes the
        // value again next time.
        let changed = try await client.query("SELECT coalesce(max(changed), 0)::bigint FROM catalog_products", logger: logger)
            .decode(Int64.self).collectAll().first ?? 0
        if let kept = kept.withLock({ $0 }), kept.changed == changed { return kept.value }
        let value = try await make()
        kept.withLock { $0 = (changed, value) }
        return value
    }
}
