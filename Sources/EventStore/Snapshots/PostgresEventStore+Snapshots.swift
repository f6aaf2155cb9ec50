import Foundation
import PostgresNIO

/// An aggregate's state at a stream version, as JSON.
public struct Snapshot: Sendable, Hashable {
    public let stream: StreamName
    public let version: Int64
    public let type: String
    public let schemaVersion: Int32
    public let data: String

    public init(stream: StreamName, version: Int64, type: String, schemaVersion: Int32 = 1, data: String) {
        self.stream = stream
        self.version = version
        self.type = type
        self.schemaVersion = schemaVersion
        self.data = data
    }
}

extension PostgresEventStore {
    /// Saves a snapshot; saving the same version again replaces it.
    /// - Throws: ``EventStoreError`` `.invalidReadRange` for a version the stream has not reached.
    public func saveSnapshot(_ snapshot: Snapshot) async throws {
        let current = try await version(of: snapshot.stream)
        guard snapshot.version >= 1, snapshot.version <= current else {
            throw EventStoreError(.invalidReadRange, "snapshot version \(snapshot.version) of \(snapshot.stream) is outside 1…\(current)")
        }
        try await client.query(
            """
            INSERT INTO snapshots (stream_name, stream_version, snapshot_type, schema_version, data)
            VALUES (\(snapshot.stream.rawValue), \(snapshot.version), \(snapshot.type), \(snapshot.schemaVersion), \(snapshot.data)::jsonb)
            ON CONFLICT (stream_name, stream_version) DO UPDATE
               SET snapshot_type = excluded.snapshot_type, schema_version = excluded.schema_version, data = excluded.data
            """,
            logger: logger
        )
    }

    /// The newest snapshot of a stream and the events recorded after it: everything needed to
    /// rebuild the current state. Without a snapshot, all the stream's events.
    public func loadFromSnapshot(_ stream: StreamName) async throws -> (snapshot: Snapshot?, events: [RecordedEvent]) {
        let rows = try await client.query(
            """
            SELECT stream_version, snapshot_type, schema_version, data FROM snapshots
            WHERE stream_name = \(stream.rawValue) ORDER BY stream_version DESC LIMIT 1
            """,
            logger: logger
        )
        var snapshot: Snapshot?
        for try await (version, type, schemaVersion, data) in rows.decode((Int64, String, Int32, String).self) {
            snapshot = Snapshot(stream: stream, version: version, type: type, schemaVersion: schemaVersion, data: data)
        }
        var events: [RecordedEvent] = []
        var from = (snapshot?.version ?? 0) + 1
        while true {
            let page = try await read(stream, from: from, limit: 10_000)
            events += page
            guard page.count == 10_000, let last = page.last else { break }
            from = last.version + 1
        }
        return (snapshot, events)
    }
}
