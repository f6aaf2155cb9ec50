import EventStore
import ServiceLifecycle

/// Carries append wake-ups between processes (LISTEN/NOTIFY), so that subscriptions and the
/// relay react at once to appends made elsewhere (see ``PostgresEventStore/runNotifications(coalescing:)``).
public struct StoreNotifications: Service {
    let store: PostgresEventStore

    public init(store: PostgresEventStore) {
        self.store = store
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await store.runNotifications() }
        } catch is CancellationError {}
    }
}
