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
        let relevant = projections.map { projection in (projection, events.filter { projection.categories.contains(String($0.category)) }) }
            .filter { !$0.1.isEmpty }
        let standing = try await Standing.read(
            projections: relevant.map(\.0.name),
            pairs: relevant.flatMap { projection, events in Set(events.map(\.stream.rawValue)).map { (projection.name, $0) } },
            on: connection, logger: logger
        )
        // What each read model has not seen yet, and the events it holds behind parked ones.
        var work: [(projection: any Projection, adding: [RecordedEvent], waiting: [ParkedEvent])] = []
        for (projection, relevant) in relevant {
            let fresh = try await unseen(relevant, by: projection.name, reached: standing.reached[projection.name] ?? [:],
                                         watermark: standing.watermarks[projection.name] ?? 0, on: connection, logger: logger)
            guard !fresh.isEmpty else { continue }
            // A stream with a parked event stays held: its later events park behind it.
            let held = standing.held[projection.name] ?? []
            work.append((projection, fresh.filter { !held.contains($0.stream.rawValue) }, fresh.filter { held.contains($0.stream.rawValue) }.map(ParkedEvent.heldBehind)))
        }
        let folded = try await fold(work.map { ($0.projection, $0.adding) }, loadingFrom: connection, logger: logger)
        // Every read model's stream versions go in one statement at the end, with the writes of
        // those whose tables are written independently (``StatementBatch``).
        let versions = StreamVersions.Gathered()
        let writes = StatementBatch()
        try await StreamVersions.$gathered.withValue(versions) {
            for ((projection, adding, waiting), (builder, parked)) in zip(work, folded) {
                try await StatementBatch.$current.withValue(builder.writesIndependentTables ? writes : nil) {
                    try await builder.flush(on: connection, logger: logger)
                    try await ParkedEvents.park(waiting + parked, projection: projection.name, on: connection, logger: logger)
                }
                applied += adding.count - parked.count
            }
        }
        try await StatementBatch.$current.withValue(writes) {
            try await versions.write(on: connection, logger: logger)
        }
        try await writes.run(on: connection, logger: logger)
        return applied
    }

    /// Each read model's builder with its events added, and the events it could not apply.
    ///
    /// The read models fold side by side. Their reads of the rows the events touch are queued on
    /// the one connection (each reads only its own tables, and writes nothing before the
    /// flushes), so PostgreSQL answers them back to back instead of waiting, between two, for
    /// the task that sent the first to wake up, fold and send the next; one read model's folding
    /// overlaps another's reads. Under load, a batch's round trips were most of the lag: at 5,000
    /// events/s its transaction took 30–60 ms of which PostgreSQL spent 10–17.
    static func fold(
        _ work: [(projection: any Projection, events: [RecordedEvent])], loadingFrom connection: PostgresConnection, logger: Logger
    ) async throws -> [(builder: any ReadModelBuilder, parked: [ParkedEvent])] {
        try await withThrowingTaskGroup(of: (Int, FoldedBuilder).self) { group in
            for (index, (projection, events)) in work.enumerated() {
                group.addTask {
                    let builder = projection.makeBuilder()
                    let parked = try await builder.add(events, loadingFrom: connection, logger: logger)
                    return (index, FoldedBuilder(builder: builder, parked: parked))
                }
            }
            var folded = [FoldedBuilder?](repeating: nil, count: work.count)
            for try await (index, result) in group { folded[index] = result }
            return folded.map { ($0!.builder, $0!.parked) }
        }
    }

    /// A builder handed back from the task that made and filled it, which never touches it
    /// again: it crosses from that task to the caller once, not shared.
    private struct FoldedBuilder: @unchecked Sendable {
        let builder: any ReadModelBuilder
        let parked: [ParkedEvent]
    }

    /// Where each projection stands on some streams, read in one statement for a whole batch:
    /// the versions it has reached, its rebuild watermark, and the streams it holds parked.
    struct Standing {
        var reached: [String: [String: Int64]] = [:]
        var watermarks: [String: Int64] = [:]
        var held: [String: Set<String>] = [:]

        /// Each (projection, stream) pair costs an index probe or two, about 10 µs of the
        /// server's time: only the pairs the batch holds are asked for, not every projection
        /// with every stream (a projection reads a few of the batch's categories).
        static func read(projections: [String], pairs: [(projection: String, stream: String)], on connection: PostgresConnection, logger: Logger) async throws -> Standing {
            var standing = Standing()
            guard !projections.isEmpty else { return standing }
            let rows = try await connection.query(
                """
                WITH pairs AS MATERIALIZED (SELECT * FROM unnest(\(pairs.map(\.projection))::text[], \(pairs.map(\.stream))::text[]) AS p (projection, stream_name))
                SELECT 0, v.projection, v.stream_name, v.version FROM pairs p JOIN projection_stream_versions v USING (projection, stream_name)
                UNION ALL SELECT 1, projection, NULL, position FROM projection_watermarks WHERE projection = ANY(\(projections))
                UNION ALL SELECT DISTINCT 2, e.projection, e.stream_name, 0::bigint FROM pairs p JOIN parked_events e USING (projection, stream_name)
                """,
                logger: logger
            )
            for try await (kind, projection, stream, version) in rows.decode((Int32, String, String?, Int64).self) {
                switch (kind, stream) {
                case (0, let stream?): standing.reached[projection, default: [:]][stream] = version
                case (1, _): standing.watermarks[projection] = version
                case (2, let stream?): standing.held[projection, default: []].insert(stream)
                default: break
                }
            }
            return standing
        }
    }

    /// The events past the versions `projection` has recorded for their streams (`reached`), and
    /// past its rebuild watermark, each once — preceded by any earlier events of their streams
    /// that it never received (fetched from the store): a stream's events apply in order and none
    /// is passed over, even when a topic was lost or a partition re-read out of turn.
    static func unseen(
        _ events: [RecordedEvent], by projection: String, reached: [String: Int64], watermark: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws -> [RecordedEvent] {
        var reached = reached
        var candidates = events
        let gaps = streamGaps(in: events, reached: reached, watermark: watermark)
        if !gaps.isEmpty {
            let missing = try await PostgresEventStore.events(filling: gaps, above: watermark, on: connection, logger: logger)
            if !missing.isEmpty {
                logger.warning("read model fetched from the store events it never received", metadata: [
                    "projection": "\(projection)", "events": "\(missing.count)", "streams": "\(Set(missing.map(\.stream.rawValue)).count)",
                ])
                // By global position, which orders each stream's events by version.
                candidates = (missing + events).sorted { $0.position < $1.position }
            }
        }
        return candidates.filter { event in
            guard event.position > watermark, event.version > reached[event.stream.rawValue, default: 0] else { return false }
            reached[event.stream.rawValue] = event.version
            return true
        }
    }

    /// For each stream, the versions between the last one seen and the first one received, when
    /// that is no direct successor. Events at or below the watermark count as seen.
    public static func streamGaps(in events: [RecordedEvent], reached: [String: Int64], watermark: Int64) -> [StreamGap] {
        var firstReceived: [String: Int64] = [:]
        for event in events where event.position > watermark {
            firstReceived[event.stream.rawValue] = min(event.version, firstReceived[event.stream.rawValue] ?? .max)
        }
        return firstReceived.compactMap { stream, first in
            let seen = reached[stream, default: 0]
            return first > seen + 1 ? StreamGap(stream: stream, after: seen, before: first) : nil
        }.sorted { $0.stream < $1.stream }
    }
}

/// The lock every read-model write from Kafka holds for its transaction, and a rebuild's swap
/// takes too: a swap never interleaves with a projector's batch.
public enum ProjectionLock {
    public static let key: Int64 = 1_668_246_894

    public static func acquire(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.run("SELECT pg_advisory_xact_lock(\(key))", logger: logger)
    }
}
