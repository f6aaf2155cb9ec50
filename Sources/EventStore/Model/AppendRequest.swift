import Foundation
import Logging
import PostgresNIO

/// A validated append, encoded as the arrays `append_events` takes: one round trip whatever
/// the number of streams and events.
struct AppendRequest: Sendable {
    let streams: [StreamName]
    private let expected: [Int64]
    private let eventStream: [Int32]
    private let ids: [UUID]
    private let types: [String]
    private let schemaVersions: [Int32]
    private let data: [String]
    private let metadata: [String]
    private let correlationIDs: [String]
    private let causationIDs: [String]
    private let actors: [String]

    /// Largest exact version accepted: far beyond any real stream, well inside Postgres' bigint.
    static let maximumVersion: Int64 = 1 << 53

    /// - Throws: ``EventStoreError`` for empty or oversized appends, bad types, non-JSON data, absurd versions.
    init(_ appends: [StreamAppend], limits: PostgresEventStore.Limits) throws(EventStoreError) {
        guard !appends.isEmpty else { throw EventStoreError(.emptyAppend, "nothing to append: no streams given") }
        let total = appends.reduce(0) { $0 + $1.events.count }
        guard total <= limits.maximumEventsPerAppend else {
            throw EventStoreError(.eventTooLarge, "\(total) events in one append; at most \(limits.maximumEventsPerAppend)")
        }
        var seenStreams = Set<StreamName>()
        var seenIDs = Set<UUID>()
        var streams: [StreamName] = [], expected: [Int64] = [], eventStream: [Int32] = []
        var ids: [UUID] = [], types: [String] = [], schemaVersions: [Int32] = [], data: [String] = []
        var metadata: [String] = [], correlationIDs: [String] = [], causationIDs: [String] = [], actors: [String] = []
        for (index, append) in appends.enumerated() {
            guard seenStreams.insert(append.stream).inserted else {
                throw EventStoreError(.duplicateStream, "stream \(append.stream) appears twice in one append")
            }
            guard !append.events.isEmpty else {
                throw EventStoreError(.emptyAppend, "no events given for stream \(append.stream)")
            }
            if case .exact(let version) = append.expectedVersion, version < 0 || version > Self.maximumVersion {
                throw EventStoreError(.invalidExpectedVersion, "expected version \(version) for \(append.stream) is out of range 0…\(Self.maximumVersion)")
            }
            streams.append(append.stream)
            expected.append(append.expectedVersion.databaseValue)
            for event in append.events {
                guard seenIDs.insert(event.id).inserted else {
                    throw EventStoreError(.duplicateEventID, "event id \(event.id) appears twice in one append")
                }
                try Self.validate(event, limits: limits)
                eventStream.append(Int32(index + 1))
                ids.append(event.id)
                types.append(event.type)
                schemaVersions.append(event.schemaVersion)
                data.append(event.data)
                metadata.append(Self.encodeExtra(event.metadata.extra))
                correlationIDs.append(event.metadata.correlationID?.uuidString ?? "")
                causationIDs.append(event.metadata.causationID?.uuidString ?? "")
                actors.append(event.metadata.actor ?? "")
            }
        }
        (self.streams, self.expected, self.eventStream) = (streams, expected, eventStream)
        (self.ids, self.types, self.schemaVersions, self.data) = (ids, types, schemaVersions, data)
        (self.metadata, self.correlationIDs, self.causationIDs, self.actors) = (metadata, correlationIDs, causationIDs, actors)
    }

    private static func validate(_ event: NewEvent, limits: PostgresEventStore.Limits) throws(EventStoreError) {
        guard !event.type.isEmpty, event.type.utf8.count <= 200,
              event.type.unicodeScalars.first.map({ $0.properties.isAlphabetic }) == true,
              event.type.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "_") })
        else {
            throw EventStoreError(.invalidEventType, "event type \"\(event.type.prefix(80))\" must be a letter followed by letters, digits, '.' or '_' (at most 200)")
        }
        guard event.schemaVersion >= 1 else {
            throw EventStoreError(.invalidEventType, "schema version of \(event.type) must be 1 or more, not \(event.schemaVersion)")
        }
        guard event.data.utf8.count <= limits.maximumEventBytes else {
            throw EventStoreError(.eventTooLarge, "event \(event.type) is \(event.data.utf8.count) bytes; the limit is \(limits.maximumEventBytes)")
        }
        // The database parses the JSON fully (and refuses the whole append if it is malformed);
        // here we only insist on an object, which every event schema describes.
        guard event.data.utf8.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") else {
            throw EventStoreError(.invalidPayload, "event \(event.type) data must be a JSON object")
        }
        if let actor = event.metadata.actor, actor.utf8.count > 200 {
            throw EventStoreError(.invalidPayload, "actor is longer than 200 bytes")
        }
    }

    private static func encodeExtra(_ extra: [String: String]) -> String {
        guard !extra.isEmpty else { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(extra)) ?? Data("{}".utf8), as: UTF8.self)
    }

    func run(on connection: PostgresConnection, logger: Logger) async throws -> [AppendResult] {
        let rows = try await connection.query(
            """
            SELECT stream_name, first_version, last_version, first_position, last_position, already_stored
            FROM append_events(\(streams.map(\.rawValue)), \(expected), \(eventStream), \(ids), \(types),
                               \(schemaVersions), \(data), \(metadata), \(correlationIDs), \(causationIDs), \(actors))
            """,
            logger: logger
        )
        var results: [AppendResult] = []
        for try await (name, firstVersion, lastVersion, firstPosition, lastPosition, alreadyStored)
            in rows.decode((String, Int64, Int64, Int64, Int64, Bool).self) {
            results.append(AppendResult(
                stream: StreamName(trusted: name), firstVersion: firstVersion, lastVersion: lastVersion,
                firstPosition: firstPosition, lastPosition: lastPosition, alreadyStored: alreadyStored
            ))
        }
        return results
    }
}
