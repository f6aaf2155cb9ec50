import Foundation
import Logging
import PostgresNIO

/// A validated append: one or more streams, each with an expectation and events. Several
/// requests are sent to `append_events` in one call (see ``AppendBatcher``).
struct AppendRequest: Sendable {
    struct StreamPart: Sendable {
        let stream: StreamName
        let expected: ExpectedVersion
        let events: [NewEvent]
    }

    let parts: [StreamPart]

    var streams: [StreamName] { parts.map(\.stream) }
    /// The parts with events (the others are conditions).
    var writtenParts: [StreamPart] { parts.filter { !$0.events.isEmpty } }
    var eventCount: Int { parts.reduce(0) { $0 + $1.events.count } }

    /// Largest exact version accepted: far beyond any real stream, well inside Postgres' bigint.
    static let maximumVersion: Int64 = 1 << 53

    /// - Throws: ``EventStoreError`` for empty or oversized appends (conditions alone, a stream
    ///   without events expecting `.any`), bad types, non-JSON data, absurd versions.
    init(_ appends: [StreamAppend], limits: PostgresEventStore.Limits) throws(EventStoreError) {
        guard !appends.isEmpty else { throw EventStoreError(.emptyAppend, "nothing to append: no streams given") }
        let total = appends.reduce(0) { $0 + $1.events.count }
        guard total > 0 else { throw EventStoreError(.emptyAppend, "nothing to append: no events given, only conditions") }
        guard total <= limits.maximumEventsPerAppend else {
            throw EventStoreError(.eventTooLarge, "\(total) events in one append; at most \(limits.maximumEventsPerAppend)")
        }
        var seenStreams = Set<StreamName>()
        var seenIDs = Set<UUID>()
        for append in appends {
            guard seenStreams.insert(append.stream).inserted else {
                throw EventStoreError(.duplicateStream, "stream \(append.stream) appears twice in one append")
            }
            guard !append.events.isEmpty || append.expectedVersion != .any else {
                throw EventStoreError(.emptyAppend, "no events given for stream \(append.stream), and no condition (its expected version is any)")
            }
            if case .exact(let version) = append.expectedVersion, version < 0 || version > Self.maximumVersion {
                throw EventStoreError(.invalidExpectedVersion, "expected version \(version) for \(append.stream) is out of range 0…\(Self.maximumVersion)")
            }
            for event in append.events {
                guard seenIDs.insert(event.id).inserted else {
                    throw EventStoreError(.duplicateEventID, "event id \(event.id) appears twice in one append")
                }
                try Self.validate(event, limits: limits)
            }
        }
        parts = appends.map { StreamPart(stream: $0.stream, expected: $0.expectedVersion, events: $0.events) }
    }

    private static func validate(_ event: NewEvent, limits: PostgresEventStore.Limits) throws(EventStoreError) {
        // ASCII only, so checked byte by byte (Unicode's properties cost 1 % of an append's CPU).
        func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) }
        let type = event.type.utf8
        guard let first = type.first, isLetter(first), type.count <= 200,
              type.allSatisfy({ isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") })
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
}

/// What `append_events` said about one request of a batch.
enum AppendOutcome: Sendable {
    case appended([AppendResult])
    /// An expectation failed: nothing of the request was written. Actual versions by stream.
    case expectationFailed([StreamName: Int64])
}

extension AppendRequest {
    /// Sends requests to `append_events` in one statement; one outcome per request, in order.
    static func run(_ requests: [AppendRequest], on connection: PostgresConnection, logger: Logger) async throws -> [AppendOutcome] {
        var requestNumbers: [Int32] = [], streams: [String] = [], expected: [Int64] = [], counts: [Int32] = []
        var ids: [UUID] = [], types: [String] = [], schemaVersions: [Int32] = [], data: [String] = []
        var metadata: [String] = [], correlationIDs: [String] = [], causationIDs: [String] = [], actors: [String] = []
        for (number, request) in requests.enumerated() {
            for part in request.parts {
                requestNumbers.append(Int32(number + 1))
                streams.append(part.stream.rawValue)
                expected.append(part.expected.databaseValue)
                counts.append(Int32(part.events.count))
                for event in part.events {
                    ids.append(event.id)
                    types.append(event.type)
                    schemaVersions.append(event.schemaVersion)
                    data.append(event.data)
                    metadata.append(FlatJSONObject.text(event.metadata.extra))
                    correlationIDs.append(event.metadata.correlationID.map { $0.uuidString.lowercased() } ?? "")
                    causationIDs.append(event.metadata.causationID.map { $0.uuidString.lowercased() } ?? "")
                    actors.append(event.metadata.actor ?? "")
                }
            }
        }
        let rows = try await connection.execute(AppendEventsStatement(
            requestNumbers: requestNumbers, streams: streams, expected: expected, counts: counts, ids: ids, types: types,
            schemaVersions: schemaVersions, data: data, metadata: metadata, correlationIDs: correlationIDs,
            causationIDs: causationIDs, actors: actors
        ), logger: logger)
        // A condition's row places no events: whatever positions it shows are not its own.
        let conditions = requests.map { Set($0.parts.filter(\.events.isEmpty).map(\.stream.rawValue)) }
        var appended = [[AppendResult]](repeating: [], count: requests.count)
        var failures = [[StreamName: Int64]](repeating: [:], count: requests.count)
        for try await (request, name, firstVersion, lastVersion, firstPosition, lastPosition, failed, actual) in rows {
            let index = Int(request) - 1
            let stream = StreamName(trusted: name)
            if failed {
                failures[index][stream] = actual
            } else if conditions[index].contains(name) {
                continue
            } else if let firstVersion, let lastVersion, let firstPosition, let lastPosition {
                appended[index].append(AppendResult(
                    stream: stream, firstVersion: firstVersion, lastVersion: lastVersion,
                    firstPosition: firstPosition, lastPosition: lastPosition, alreadyStored: false
                ))
            }
        }
        return (0..<requests.count).map { failures[$0].isEmpty ? .appended(appended[$0]) : .expectationFailed(failures[$0]) }
    }

    /// When this append's events are stored already exactly as given (an idempotent retry):
    /// their original placement; nil when none is stored.
    /// - Throws: ``EventStoreError`` `.idempotencyConflict` when some are stored otherwise.
    func storedResult(on connection: PostgresConnection, logger: Logger) async throws -> [AppendResult]? {
        let parts = writtenParts
        let events = parts.flatMap(\.events)
        let rows = try await connection.query(
            """
            SELECT stream_name, first_version, last_version, first_position, last_position
            FROM stored_append(\(parts.map(\.stream.rawValue)), \(parts.map { Int32($0.events.count) }), \(events.map(\.id)),
                               \(events.map(\.type)), \(events.map(\.schemaVersion)), \(events.map(\.data)))
            """,
            logger: logger
        )
        var results: [AppendResult] = []
        for try await (name, firstVersion, lastVersion, firstPosition, lastPosition) in rows.decode((String, Int64, Int64, Int64, Int64).self) {
            results.append(AppendResult(
                stream: StreamName(trusted: name), firstVersion: firstVersion, lastVersion: lastVersion,
                firstPosition: firstPosition, lastPosition: lastPosition, alreadyStored: true
            ))
        }
        return results.isEmpty ? nil : results
    }
}
