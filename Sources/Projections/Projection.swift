import EventStore
import Logging
import PostgresNIO

/// A read model: tables in `public` built from the events of some stream categories.
///
/// Live projection and rebuilds share one implementation, the projection's
/// ``ReadModelBuilder``: the projector folds each Kafka batch onto the rows it touches (read
/// first), a rebuild folds the whole history in memory; both write with set-based statements.
public protocol Projection: Sendable {
    /// Stable name: the key of its dedupe state.
    var name: String { get }
    var categories: Set<String> { get }
    /// Its tables (in `public`), which a rebuild replaces as a whole.
    var tables: [String] { get }
    /// A fresh builder with no rows in memory.
    func makeBuilder() -> any ReadModelBuilder
    /// Tables a rebuild leaves in primary-key order, because queries read long ranges of the
    /// key: each range then lies on few pages. Their writers write rows in key order, so a
    /// rebuild written in one flush is in order already; one written in several is CLUSTERed.
    var clusteredTables: [String] { get }
    /// Event types of its categories that change none of its rows: a rebuild does not read
    /// them. (Live projection receives them and passes over them.)
    var ignoredEventTypes: Set<String> { get }
}

extension Projection {
    public var clusteredTables: [String] { [] }
    public var ignoredEventTypes: Set<String> { [] }
}

/// Applies events to projections, each event at most once per projection: an event whose
/// stream version the projection has already reached is a redelivered copy and is skipped.
public enum ProjectionApplier {
    /// Applies `events` inside the caller's transaction.
    /// Events a projection cannot apply are parked (``ParkedEvents``), never skipped unseen.
    /// - Returns: how many (event, projection) applications were made; skipped copies and parked events do not count.
    @discardableResult
    public static func apply(
        _ events: [RecordedEvent], to projections: [any Projection], on connection: PostgresConnection, logger: Logger
    ) async throws -> Int {
        var applied = 0
        for projection in projections {
            let relevant = events.filter { projection.categories.contains(String($0.category)) }
            guard !relevant.isEmpty else { continue }
            let fresh = try await unseen(relevant, by: projection.name, on: connection, logger: logger)
            guard !fresh.isEmpty else { continue }
            // A stream with a parked event stays held: its later events park behind it.
            let held = try await ParkedEvents.streams(Array(Set(fresh.map(\.stream.rawValue))), projection: projection.name, on: connection, logger: logger)
            let waiting = fresh.filter { held.contains($0.stream.rawValue) }.map(ParkedEvent.heldBehind)
            let builder = projection.makeBuilder()
            let parked = try await builder.add(fresh.filter { !held.contains($0.stream.rawValue) }, loadingFrom: connection, logger: logger)
            try await builder.flush(on: connection, logger: logger)
            try await ParkedEvents.park(waiting + parked, projection: projection.name, on: connection, logger: logger)
            applied += fresh.count - waiting.count - parked.count
        }
        return applied
    }

    /// The events past the versions `projection` has recorded for their streams, and past its
    /// rebuild watermark, each once.
    static func unseen(_ events: [RecordedEvent], by projection: String, on connection: PostgresConnection, logger: Logger) async throws -> [RecordedEvent] {
        let streams = Array(Set(events.map(\.stream.rawValue)))
        var reached: [String: Int64] = [:]
        var watermark: Int64 = 0
        let rows = try await connection.query(
            """
            SELECT stream_name, version FROM projection_stream_versions WHERE projection = \(projection) AND stream_name = ANY(\(streams))
            UNION ALL SELECT NULL, position FROM projection_watermarks WHERE projection = \(projection)
            """,
            logger: logger
        )
        for try await (stream, version) in rows.decode((String?, Int64).self) {
            if let stream { reached[stream] = version } else { watermark = version }
        }
        return events.filter { event in
            guard event.position > watermark, event.version > reached[event.stream.rawValue, default: -1] else { return false }
            reached[event.stream.rawValue] = event.version
            return true
        }
    }
}

/// The lock every read-model write from Kafka holds for its transaction, and a rebuild's swap
/// takes too: a swap never interleaves with a projector's batch.
public enum ProjectionLock {
    public static let key: Int64 = 1_668_246_894

    public static func acquire(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(key))", logger: logger)
    }
}
