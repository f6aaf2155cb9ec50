import EventStore
import Logging
import PostgresNIO
import Synchronization

/// A builder's dedupe rows: each stream's last version it applied, written with its flush.
///
/// In a live batch, ``ProjectionApplier`` gathers every read model's rows (``gathered``) and
/// writes them in one statement at the end of the batch, instead of one per read model.
final class StreamVersions {
    private var versions: [String: Int64] = [:]
    var enabled = true

    /// While set, ``write(_:projection:on:logger:)`` adds its rows here instead of writing them.
    @TaskLocal static var gathered: Gathered?

    /// Rows put aside for one write: (projection, stream, version).
    final class Gathered: Sendable {
        private let rows = Mutex<[(projection: String, stream: String, version: Int64)]>([])

        func add(_ versions: [String: Int64], projection: String) {
            rows.withLock { rows in
                for (stream, version) in versions { rows.append((projection, stream, version)) }
            }
        }

        /// Writes the rows gathered, in (projection, stream) order like the read models' own rows.
        func write(on connection: PostgresConnection, logger: Logger) async throws {
            let rows = self.rows.withLock { rows in
                defer { rows.removeAll() }
                return rows.sorted { ($0.projection, $0.stream) < ($1.projection, $1.stream) }
            }
            try await StreamVersions.insert(rows, on: connection, logger: logger)
        }
    }

    func record(_ event: RecordedEvent) {
        guard enabled else { return }
        versions[event.stream.rawValue] = event.version
    }

    func write(projection: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await Self.write(take(), projection: projection, on: connection, logger: logger)
    }

    /// The versions recorded since the last call, forgotten here.
    func take() -> [String: Int64] {
        defer { versions.removeAll(keepingCapacity: true) }
        return versions
    }

    static func write(_ versions: [String: Int64], projection: String, on connection: PostgresConnection, logger: Logger) async throws {
        guard !versions.isEmpty else { return }
        if let gathered {
            gathered.add(versions, projection: projection)
            return
        }
        // In key order, like the read models' own rows.
        let streams = versions.keys.sorted()
        try await insert(streams.map { (projection, $0, versions[$0]!) }, on: connection, logger: logger)
    }

    private static func insert(_ rows: [(projection: String, stream: String, version: Int64)], on connection: PostgresConnection, logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        try await BulkInsert(
            table: "projection_stream_versions",
            columns: [("projection", "$1"), ("stream_name", "$2"), ("version", "$3")],
            conflict: "ON CONFLICT (projection, stream_name) DO UPDATE SET version = greatest(projection_stream_versions.version, excluded.version)"
        ).write(
            [.text(rows.map(\.projection)), .text(rows.map(\.stream)), .bigint(rows.map(\.version))],
            rowCount: rows.count, on: connection, logger: logger
        )
    }
}
