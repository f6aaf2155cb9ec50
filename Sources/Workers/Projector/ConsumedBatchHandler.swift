import EventStore
import PostgresNIO

/// What a ``Projector`` does with each polled batch, on a transaction of its own (the last
/// stage's also advances the batch's offsets): it must be idempotent, since a message can come
/// again (a rebalance, a partition read from its start, a crash before a later stage committed).
public protocol ConsumedBatchHandler: Sendable {
    /// The stream categories whose topics it consumes.
    var categories: [String] { get }
    /// The read models it builds, for ``Projector/Configuration/applied`` (none: it builds none).
    var readModels: [String] { get }
    /// Called first on each batch's transaction (to take locks the handler needs).
    func begin(on connection: PostgresConnection) async throws
    /// Handles a poll's events, in global order (so each stream's in its order).
    func apply(_ events: [RecordedEvent], on connection: PostgresConnection) async throws
}

extension ConsumedBatchHandler {
    public func begin(on connection: PostgresConnection) async throws {}
    public var readModels: [String] { [] }
}
