import EventStore
import Logging
import Projections
import ServiceLifecycle

/// Makes sure no read model stays silently behind the store, whatever the broker does (a lost
/// topic, offsets past a recreated partition's end, a consumer stuck on a partition).
///
/// Every `checkInterval` it asks the store, for each projection, for the first event the read
/// model has not applied (``ProjectionHealth/firstUnseen(_:after:through:client:logger:)``) up
/// to the safe frontier, and records how far everything is applied. When that same event is
/// still unseen after `staleAfter` — the consumer made no progress past it — the read model is
/// caught up from `$all` directly, with the same builder, logged at warning and counted
/// (`commerce projections status` shows both). Copies Kafka delivers later are skipped by
/// stream version as usual. Any projector process may run one: the catch-up holds
/// ``ProjectionLock`` like every projector batch.
public struct ReadModelSafetyNet: Service {
    public struct Configuration: Sendable {
        public var checkInterval = Duration.seconds(1)
        /// How long a read model may stay behind on one event, making no progress, before it
        /// catches up from the store (`PROJECTION_STALE_AFTER`).
        public var staleAfter = Duration.seconds(10)

        public init() {}
    }

    let store: PostgresEventStore
    let projections: [any Projection]
    let configuration: Configuration
    let logger: Logger

    public init(store: PostgresEventStore, projections: [any Projection], configuration: Configuration = .init(), logger: Logger) {
        self.store = store
        self.projections = projections
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var stuck: [String: (position: Int64, since: ContinuousClock.Instant)] = [:]
            while !Task.isCancelled {
                do {
                    try await check(&stuck)
                } catch where !(error is CancellationError) {
                    // The database is away: try again next time, as the projector does.
                    logger.debug("read-model safety net could not check; checking again", metadata: ["error": "\(String(reflecting: error))"])
                } catch {
                    break
                }
                do { try await Task.sleep(for: configuration.checkInterval) } catch { break }
            }
        }
    }

    /// One round over the projections; `stuck` remembers each one's first unseen event and since when.
    func check(_ stuck: inout [String: (position: Int64, since: ContinuousClock.Instant)]) async throws {
        let safe = try await store.frontierStatus().safePosition
        for projection in projections {
            let standing = try await ProjectionHealth.standing(projection, client: store.client, logger: logger)
            guard let first = try await ProjectionHealth.firstUnseen(projection, after: standing.checkedThrough, through: safe, client: store.client, logger: logger) else {
                stuck[projection.name] = nil
                if safe > standing.checkedThrough { try await ProjectionHealth.recordChecked(projection, through: safe, client: store.client, logger: logger) }
                continue
            }
            if first - 1 > standing.checkedThrough {
                try await ProjectionHealth.recordChecked(projection, through: first - 1, client: store.client, logger: logger)
            }
            guard let previous = stuck[projection.name], previous.position == first else {
                stuck[projection.name] = (first, .now)
                continue
            }
            let waited = ContinuousClock.now - previous.since
            guard waited >= configuration.staleAfter else { continue }
            let applied = try await ProjectionHealth.catchUp(projection, after: first - 1, through: safe, store: store, logger: logger)
            stuck[projection.name] = nil
            guard applied > 0 else { continue }  // its consumer delivered meanwhile
            logger.warning("read model stayed behind the store with no progress; caught it up from $all", metadata: [
                "projection": "\(projection.name)", "firstUnseen": "\(first)", "through": "\(safe)", "applied": "\(applied)", "waited": "\(waited)",
            ])
        }
    }
}
