import EventStore
import Logging
import PostgresNIO
import Projections
import Workers

/// Where the whole pipeline stands against the store: the relay's checkpoint and each read
/// model's unapplied events — and whether each read model equals one rebuilt from the store.
public enum PipelineCheck {
    /// The relay has published up to the store's safe head and no read model lacks an event.
    public static func caughtUp(_ store: PostgresEventStore, relay checkpointName: String = EventRelay.Configuration().checkpointName) async -> Bool {
        guard let safe = try? await store.frontierStatus().safePosition else { return false }
        return await caughtUp(store, through: safe, relay: checkpointName)
    }

    /// Everything up to `position` is published and in every read model (later events may not
    /// be yet): what a check under a steady stream of appends can wait for.
    /// - Parameter checkpointName: the relay's checkpoint; nil when no relay runs (only the read models count).
    public static func caughtUp(_ store: PostgresEventStore, through position: Int64, relay checkpointName: String? = EventRelay.Configuration().checkpointName) async -> Bool {
        do {
            if let checkpointName, try await store.checkpoint(of: checkpointName) < position { return false }
            for projection in WorkerSet.projections {
                let standing = try await ProjectionHealth.standing(projection, client: store.client, logger: store.logger)
                if try await ProjectionHealth.firstUnseen(projection, after: standing.checkedThrough, through: position, client: store.client, logger: store.logger) != nil {
                    return false
                }
            }
            return true
        } catch {
            return false
        }
    }

    /// Each read model compared with a build from the store, in a schema beside it: the
    /// projections whose rows differ (none when all equal).
    public static func differencesFromRebuild(_ store: PostgresEventStore) async throws -> [String: ReadModelDiff] {
        var differing: [String: ReadModelDiff] = [:]
        for projection in WorkerSet.projections {
            let schema = "check_" + projection.name.replacingOccurrences(of: "-", with: "_")
            _ = try await ProjectionRebuilder(store: store, logger: store.logger).build(projection, into: schema)
            let diff = try await ReadModelDiff.compare(projection, schema: schema, samples: 3, client: store.client, logger: store.logger)
            if !diff.isEmpty { differing[projection.name] = diff }
            try await store.client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: store.logger)
        }
        return differing
    }
}
