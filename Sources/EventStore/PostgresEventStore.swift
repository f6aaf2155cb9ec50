import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The event store on PostgreSQL: append with expected versions, read streams and `$all`,
/// subscribe, snapshots, and hash-chain verification. Schema: `schemas/sql/0001_event_store.sql`.
///
/// ```swift
/// let store = PostgresEventStore(client: client, logger: logger)
/// let result = try await store.append(
///     [NewEvent(type: "CartCreated", data: #"{"cartId":"c-1"}"#)],
///     to: try StreamName("cart-c-1"), expectedVersion: .noStream
/// )
/// ```
public final class PostgresEventStore: Sendable {
    public struct Limits: Sendable {
        /// Largest event data in bytes (JSON text).
        public var maximumEventBytes: Int
        /// Most events one append may carry.
        public var maximumEventsPerAppend: Int
        /// How many batches of appends may be in flight at once (see ``AppendBatcher``).
        public var concurrentAppendBatches: Int

        public init(maximumEventBytes: Int = 1 << 20, maximumEventsPerAppend: Int = 10_000, concurrentAppendBatches: Int = 2) {
            self.maximumEventBytes = maximumEventBytes
            self.maximumEventsPerAppend = maximumEventsPerAppend
            self.concurrentAppendBatches = concurrentAppendBatches
        }
    }

    public let client: PostgresClient
    public let logger: Logger
    public let limits: Limits
    let frontier = Mutex(SafeFrontier())
    /// Wakes this process's subscriptions: after local appends, and on NOTIFY from other processes.
    let appendSignal = AppendSignal()
    /// Moves only on this process's own appends: what it announces to other processes. A NOTIFY
    /// received must not be announced again, or two processes (or one, hearing itself) would
    /// wake each other for ever.
    let localAppendSignal = AppendSignal()
    /// Sent with this store's NOTIFYs, so that its own listener ignores them.
    let notificationToken = RandomIdentifier.hex()
    let batcher: AppendBatcher
    /// The most events a batch may carry and still run on its connection's event loop.
    static let eventsOnConnectionsLoop = 64

    public init(client: PostgresClient, logger: Logger, limits: Limits = Limits()) {
        self.client = client
        self.logger = logger
        self.limits = limits
        self.batcher = AppendBatcher(maximumLeaders: limits.concurrentAppendBatches)
    }

    // MARK: - Append

    /// Appends events to one stream.
    /// - Throws: ``EventStoreError``: `.wrongExpectedVersion` with the actual version, a validation
    ///   code for bad input, `.idempotencyConflict` for reused ids. Nothing is written when it throws.
    @discardableResult
    public func append(_ events: [NewEvent], to stream: StreamName, expectedVersion: ExpectedVersion) async throws -> AppendResult {
        try await append([StreamAppend(stream: stream, expectedVersion: expectedVersion, events: events)])[0]
    }

    /// Appends to several streams in one transaction, each with its own expectation: all or nothing.
    /// A stream without events is a condition (``StreamAppend/condition(_:at:)``): checked, not written.
    ///
    /// Concurrent appends from this process share database transactions (``AppendBatcher``);
    /// each still succeeds or fails on its own, and returns once its events are committed.
    /// Re-sending events that are stored already, unchanged, returns their original placement.
    /// - Returns: one result per stream written to (conditions have none), in the order given.
    public func append(_ appends: [StreamAppend]) async throws -> [AppendResult] {
        let request = try AppendRequest(appends, limits: limits)
        let started = ContinuousClock.now
        defer { AppendMetrics.duration.record(duration: ContinuousClock.now - started) }
        var attempt = 0
        while true {
            let result = await batcher.submit(request) { requests in await self.executeBatch(requests) }
            do {
                return try await resolve(result.get(), of: request)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" && attempt < 3 {
                attempt += 1
                if error.serverInfo?[.constraintName] == "events_event_id_key" {
                    // A concurrent append with the same ids committed first: if it stored exactly
                    // these events, this is a replay; stored_append raises when it is a clash.
                    do {
                        if let stored = try await client.withWatchedConnection({ try await request.storedResult(on: $0, logger: self.logger) }) {
                            return stored
                        }
                    } catch {
                        throw await mapAppendError(error, request: request)
                    }
                }
                // Otherwise another transaction took the version this one drew: with `.any` the
                // next attempt appends after it; with an exact expectation it reports the conflict.
            } catch {
                throw await mapAppendError(error, request: request)
            }
        }
    }

    /// Appends inside a transaction the caller owns, so other writes can commit with the events.
    /// A failed expectation throws and writes nothing; a database error aborts the caller's transaction.
    /// Once the transaction has committed, the caller calls ``appendsCommitted()``: until then
    /// the events are invisible, and a subscriber woken earlier would find nothing and wait.
    public func append(_ appends: [StreamAppend], on connection: PostgresConnection) async throws -> [AppendResult] {
        let request = try AppendRequest(appends, limits: limits)
        do {
            let outcome = try await AppendRequest.run([request], on: connection, logger: logger)[0]
            return try await resolve(outcome, of: request, on: connection)
        } catch {
            throw await mapAppendError(error, request: request)
        }
    }

    /// Wakes this process's subscriptions and has the appends announced to other processes:
    /// called once appended events have committed (by the store itself, except after
    /// ``append(_:on:)``, whose caller commits).
    public func appendsCommitted() {
        localAppendSignal.signal()
        appendSignal.signal()
    }

    private func executeBatch(_ requests: [AppendRequest]) async -> [Result<AppendOutcome, any Error>] {
        do {
            // A small batch runs on its connection's event loop: its statement is written and its
            // few rows read where the connection lives, without a thread wake-up either way. A
            // large one (an import's thousands of events) lays out its arrays in the pool, where
            // it holds up no other connection.
            let small = requests.reduce(0) { $0 + $1.eventCount } <= Self.eventsOnConnectionsLoop
            let outcomes = try await client.withWatchedConnection(onConnectionsLoop: small) { connection in
                try await AppendRequest.run(requests, on: connection, logger: self.logger)
            }
            AppendMetrics.batches.increment()
            appendsCommitted()
            return outcomes.map { .success($0) }
        } catch {
            // One request's malformed JSON or a race with another transaction failed the whole
            // batch: run each request on its own, so that the failure stays with its request.
            guard requests.count > 1 else { return [.failure(error)] }
            var results: [Result<AppendOutcome, any Error>] = []
            for request in requests { results.append(await executeBatch([request])[0]) }
            return results
        }
    }

    /// Turns an expectation failure into an idempotent replay (the same events stored already)
    /// or a conflict naming the actual version.
    private func resolve(_ outcome: AppendOutcome, of request: AppendRequest, on connection: PostgresConnection? = nil) async throws -> [AppendResult] {
        switch outcome {
        case .appended(let results):
            AppendMetrics.appended(results)
            return results
        case .expectationFailed(let actualVersions):
            let stored: [AppendResult]?
            if let connection {
                stored = try await request.storedResult(on: connection, logger: logger)
            } else {
                stored = try await client.withWatchedConnection { try await request.storedResult(on: $0, logger: self.logger) }
            }
            if let stored { return stored }
            let part = request.parts.first { part in
                guard let actual = actualVersions[part.stream] else { return false }
                return !part.expected.accepts(actual)
            } ?? request.parts[0]
            let actual = actualVersions[part.stream] ?? 0
            AppendMetrics.conflicts.increment()
            throw EventStoreError(
                .wrongExpectedVersion, "stream \(part.stream) is at version \(actual), expected \(part.expected)",
                stream: part.stream, actualVersion: actual
            )
        }
    }

    private func mapAppendError(_ error: any Error, request: AppendRequest) async -> any Error {
        guard let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState] else { return error }
        let message = psql.serverInfo?[.message] ?? "\(psql.code)"
        switch state {
        case "CE002":
            return EventStoreError(.idempotencyConflict, message)
        case "23505" where psql.serverInfo?[.constraintName] == "events_event_id_key":
            return EventStoreError(.idempotencyConflict, "an event id of this append is already stored")
        case "23505":
            let stream = request.streams.first { psql.serverInfo?[.detail]?.contains($0.rawValue) ?? false } ?? request.streams[0]
            let actual = (try? await version(of: stream)) ?? -1
            return EventStoreError(.wrongExpectedVersion, "stream \(stream) is at version \(actual), changed concurrently", stream: stream, actualVersion: actual)
        case "22P02", "22P05", "22032":
            return EventStoreError(.invalidPayload, "event data is not valid JSON: \(message)")
        case _ where DatabaseOutage.isOutage(sqlState: state):
            return EventStoreError(.unavailable, message)
        default:
            return EventStoreError(.database, message)
        }
    }

    // MARK: - Streams

    /// The stream's version: the number of events in it, 0 when it does not exist.
    public func version(of stream: StreamName) async throws -> Int64 {
        let rows = try await client.query(
            "SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_name = \(stream.rawValue)", logger: logger
        )
        for try await version in rows.decode(Int64.self) { return version }
        return 0
    }

    public enum Direction: Sendable {
        case forwards, backwards
    }

    /// Reads a stream from a version (inclusive), forwards or backwards, optionally as it was at a point in history.
    /// - Parameters:
    ///   - from: the first version to return; `nil` = the start (forwards) or the end (backwards).
    public func read(
        _ stream: StreamName, from version: Int64? = nil, direction: Direction = .forwards,
        limit: Int = 1000, asOf point: HistoryPoint? = nil
    ) async throws -> [RecordedEvent] {
        guard limit > 0, limit <= 100_000, (version ?? 1) >= 0 else {
            throw EventStoreError(.invalidReadRange, "limit must be 1…100000 and the version not negative")
        }
        return try await readStreamQuery(stream: stream, version: version, direction: direction, limit: limit, point: point)
    }

    private func readStreamQuery(stream: StreamName, version: Int64?, direction: Direction, limit: Int, point: HistoryPoint?) async throws -> [RecordedEvent] {
        let maxPosition: Int64
        let maxTime: Date
        switch point {
        case .none: (maxPosition, maxTime) = (.max, .distantFuture)
        case .position(let position): (maxPosition, maxTime) = (position, .distantFuture)
        case .time(let time): (maxPosition, maxTime) = (.max, time)
        }
        switch direction {
        case .forwards:
            let rows = try await client.execute(
                ReadStreamStatement(stream: stream.rawValue, fromVersion: version ?? 1, maxPosition: maxPosition, maxTime: maxTime, limit: limit),
                logger: logger
            )
            var events: [RecordedEvent] = []
            for try await event in rows { if let event { events.append(event) } }
            return events
        case .backwards:
            let query: PostgresQuery = """
                SELECT \(unescaped: RecordedEvent.columns) FROM events
                WHERE stream_name = \(stream.rawValue) AND stream_version <= \(version ?? .max)
                  AND global_position <= \(maxPosition) AND recorded_at <= \(maxTime)
                ORDER BY stream_version DESC LIMIT \(limit)
                """
            return try await RecordedEvent.decodeAll(try await client.query(query, logger: logger))
        }
    }

    // MARK: - $all

    /// Reads `$all` after a position, in global order, never past the safe frontier (see ``SafeFrontier``).
    ///
    /// Appending transactions still open when the call starts hold the frontier back; the read
    /// waits up to `frontierWait` for them to end, so that it shows every event committed before
    /// the call, then returns what is safe.
    public func readAll(
        after position: Int64, limit: Int = 1000, filter: EventFilter = .all, frontierWait: Duration = .milliseconds(500)
    ) async throws -> AllPage {
        guard limit > 0, limit <= 100_000, position >= 0 else {
            throw EventStoreError(.invalidReadRange, "limit must be 1…100000 and the position not negative")
        }
        let deadline = ContinuousClock.now + frontierWait
        var headAtStart: Int64?
        var pause = Duration.milliseconds(1)
        while true {
            let page = try await readAllOnce(after: position, limit: limit, filter: filter)
            let target = headAtStart ?? page.headPosition
            headAtStart = target
            if page.safePosition >= target || page.events.count == limit || ContinuousClock.now >= deadline {
                return page
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
    }

    /// How many positions a read of several categories spans before it first looks for their last
    /// event (``LastInCategoriesStatement``): walking that many rows for nothing costs a few
    /// milliseconds, more than the look's round trip; a live reader near the head never looks.
    public static let walkWorthABound: Int64 = 10_000

    private func readAllOnce(after position: Int64, limit: Int, filter: EventFilter) async throws -> AllPage {
        try await client.withWatchedConnection { connection in
            // In this order (see SafeFrontier): 1. the head, 2. the appenders running after it
            // was read (both in one call), 3. the rows, with a snapshot newer than that list, so
            // every appender proven to have ended is visible to it.
            let sent = self.frontier.withLock { $0.probeSent() }
            let (head, appenders) = try await FrontierProbeStatement.probe(connection, logger: self.logger)
            let frontier = self.frontier.withLock { frontier in
                frontier.observe(head: head, runningAppenders: appenders, probeSentAt: sent)
                return frontier
            }
            let safe = frontier.safePosition
            guard safe > position else {
                return AllPage(events: [], nextPosition: position, safePosition: safe, headPosition: frontier.headPosition)
            }
            // Past the last event of the categories wanted there is nothing to walk to.
            var upTo = safe
            let categories = Set(filter.categories)
            if categories.count > 1, safe - position > Self.walkWorthABound {
                let last = try await LastInCategoriesStatement.last(of: categories.sorted(), upTo: safe, on: connection, logger: self.logger)
                upTo = last ?? position
                guard upTo > position else {
                    return AllPage(events: [], nextPosition: safe, safePosition: safe, headPosition: frontier.headPosition)
                }
            }
            let rows = try await connection.query(
                ReadAllQuery(after: position, upTo: upTo, limit: limit, filter: filter).query, logger: self.logger
            )
            let events = try await RecordedEvent.decodeAll(rows)
            // A short page shows every matching event up to the frontier.
            let next = events.count == limit ? events[events.count - 1].position : safe
            return AllPage(events: events, nextPosition: next, safePosition: safe, headPosition: frontier.headPosition)
        }
    }

    static func sequenceHead(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_global_position_seq", logger: logger
        )
        for try await head in rows.decode(Int64.self) { return head }
        return 0
    }

    /// How far `$all` readers may go, how far behind the head that is, and which open
    /// appending transactions hold it back.
    public func frontierStatus() async throws -> FrontierStatus {
        _ = try await readAll(after: .max / 2, limit: 1, frontierWait: .zero)  // refresh the frontier
        let frontier = self.frontier.withLock { $0 }
        var blockers: [FrontierStatus.Blocker] = []
        let awaited = Array(frontier.awaitedAppenders)
        if !awaited.isEmpty {
            let rows = try await client.query(
                """
                SELECT a.pid, coalesce(a.state, ''), a.xact_start, left(coalesce(a.query, ''), 200)
                FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.virtualtransaction = ANY(\(awaited))
                ORDER BY a.xact_start LIMIT 10
                """,
                logger: logger
            )
            for try await (pid, state, started, query) in rows.decode((Int32, String, Date, String).self) {
                blockers.append(.init(pid: pid, state: state, transactionStarted: started, query: query))
            }
        }
        return FrontierStatus(
            safePosition: frontier.safePosition, headPosition: frontier.headPosition,
            blockedSince: frontier.blockedSince, blockingTransactions: blockers
        )
    }
}

/// See ``PostgresEventStore/frontierStatus()``.
public struct FrontierStatus: Sendable {
    public struct Blocker: Sendable {
        public let pid: Int32
        public let state: String
        public let transactionStarted: Date
        public let query: String
    }

    public let safePosition: Int64
    public let headPosition: Int64
    /// Since when the frontier has waited for open transactions; nil when it is not held back.
    public let blockedSince: Date?
    public let blockingTransactions: [Blocker]

    /// Positions handed out that readers cannot see yet (uncommitted, or rolled back and not yet proven so).
    public var lag: Int64 { headPosition - safePosition }
}
