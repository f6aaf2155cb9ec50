import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// What a command answers: the stream it changed, its new version and the global position of
/// its last event (nil when the command changed nothing), so a query can wait for the read
/// model to reach it.
public struct CommandResult: Codable, Sendable {
    public var stream: String
    public var version: Int64
    public var position: Int64?
    /// The id of what the command created (a cart, an order), when it created something.
    public var id: String?

    public init(stream: String, version: Int64, position: Int64?, id: String? = nil) {
        self.stream = stream
        self.version = version
        self.position = position
        self.id = id
    }
}

/// The client pinned a version (If-Match) and the aggregate has moved on.
public struct VersionConflict: Error, Sendable {
    public let stream: String
    public let currentVersion: Int64
    public let expectedVersion: Int64

    public init(stream: String, currentVersion: Int64, expectedVersion: Int64) {
        self.stream = stream
        self.currentVersion = currentVersion
        self.expectedVersion = expectedVersion
    }
}

/// Loads aggregates from their streams and appends what their deciders decide, with optimistic
/// concurrency: the append expects the version the decision was made on.
public struct AggregateRepository: Sendable {
    public let store: PostgresEventStore
    /// How often a command is decided again after another writer got in first (only when the
    /// client did not pin a version with If-Match).
    let attempts = 8

    let cache: StateCache
    /// Seals personal data on the way in, reveals it on the way out.
    public let personalData: PersonalDataProtection

    /// - Parameter personalData: share one across a process, so that an erasure made through
    ///   it shows at once everywhere in the process (others see it when their keys' cache ages).
    public init(store: PostgresEventStore, cacheCapacity: Int = 20_000, personalData: PersonalDataProtection? = nil) {
        self.store = store
        cache = StateCache(capacity: cacheCapacity)
        self.personalData = personalData ?? PersonalDataProtection(store: store)
    }

    /// Appends to several streams in one transaction, personal data sealed first: how every
    /// use case appends.
    public func append(_ appends: [StreamAppend]) async throws -> [AppendResult] {
        try await store.append(try await personalData.seal(appends))
    }

    /// The aggregate's state and version: from the cache where it has the stream, plus the
    /// events since (usually none: one short query), else from the stream's start.
    public func load<D: Decider>(_: D.Type, _ stream: StreamName) async throws -> (state: D.State, version: Int64) {
        var (state, version) = cache.get(stream.rawValue, as: D.State.self) ?? (D.initialState, 0)
        while true {
            let events = try await store.read(stream, from: version + 1, limit: 1000)
            for recorded in events {
                let data = try await personalData.reveal(type: recorded.type, data: recorded.data)
                let event = try EventCodec.decode(D.Event.self, EncodedEvent(type: recorded.type, schemaVersion: Int(recorded.schemaVersion), json: data))
                state = D.evolve(state, event)
                version = recorded.version
            }
            guard events.count == 1000 else { break }
        }
        // A state holding opened personal data is not cached: an erasure must leave no copy.
        let holdsPersonalData = (state as? any PersonalDataHolding)?.holdsPersonalData ?? false
        if version > 0, !holdsPersonalData { cache.put(stream.rawValue, state: state, version: version) }
        return (state, version)
    }

    /// Decides `command` on the stream's current state and appends the events.
    ///
    /// The first decision is made on the state this process cached, without reading the stream:
    /// the append expects the cached version, so it lands only if nothing was appended since.
    /// Anything but a landed append — a conflict, a refusal, nothing to do — is decided again on
    /// the stream as read, so no answer rests on a state that may be behind. The appended events,
    /// read back from their stored text, then give the cached state its next version: a client
    /// changing the same aggregate again costs no read.
    /// - Parameters:
    ///   - ifMatch: the version the client last saw (If-Match); a different current version is a 409.
    ///   - conditions: other streams the command was made from, at the versions it read them
    ///     (``cachedOrLoaded(_:_:)``): the append lands only if they are still there, as
    ///     committed when it runs (``StreamAppend/condition(_:at:)``). A condition
    ///     that fails is thrown (`.wrongExpectedVersion` naming its stream), for the caller to
    ///     read that stream and decide again.
    ///   - command: the command for the state, or a throw (404 when the state says it does not exist…).
    public func execute<D: Decider>(
        _: D.Type, _ stream: StreamName, ifMatch: Int64?, metadata: EventMetadata, conditions: [StreamName: Int64] = [:],
        command: (D.State) throws -> D.Command
    ) async throws -> CommandResult {
        var attempt = 0
        // A pinned version is compared with the stream as read: a cached one may be behind.
        var unread = ifMatch == nil ? cached(D.self, stream) : nil
        while true {
            let decidedOnCache = unread != nil
            let (state, version): (D.State, Int64)
            if let cached = unread {
                (state, version) = cached
                unread = nil
            } else {
                attempt += 1
                (state, version) = try await load(D.self, stream)
            }
            if let ifMatch, ifMatch != version {
                throw VersionConflict(stream: stream.rawValue, currentVersion: version, expectedVersion: ifMatch)
            }
            let events: [D.Event]
            do {
                events = try D.decide(try command(state), state, DecisionContext(now: Date()))
            } catch where decidedOnCache {
                continue
            }
            guard !events.isEmpty else {
                if decidedOnCache { continue }
                return CommandResult(stream: stream.rawValue, version: version, position: nil)
            }
            let appended = events.map { Self.newEvent($0, metadata) }
            do {
                let result = try await append(
                    [StreamAppend(stream: stream, expectedVersion: .exact(version), events: appended)]
                        + conditions.sorted { $0.key.rawValue < $1.key.rawValue }.map { .condition($0.key, at: .exact($0.value)) }
                )[0]
                remember(D.self, stream, decidedOn: state, appended: appended, version: result.lastVersion)
                return CommandResult(stream: stream.rawValue, version: result.lastVersion, position: result.lastPosition)
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion && error.stream == stream
                && (decidedOnCache || (ifMatch == nil && attempt < attempts)) {
                continue
            }
        }
    }

    /// The aggregate's state as this process cached it, unread, or else as loaded: for a command
    /// on another aggregate made from it, which appends with its version as a condition
    /// (``execute(_:_:ifMatch:metadata:conditions:command:)``) and so lands only if that state
    /// was current. A refusal made from it is for the caller to make again from the stream as
    /// read (``load(_:_:)``): a cached state may be behind.
    public func cachedOrLoaded<D: Decider>(_: D.Type, _ stream: StreamName) async throws -> (state: D.State, version: Int64) {
        if let cached = cached(D.self, stream) { return cached }
        return try await load(D.self, stream)
    }

    /// The state this process cached for the stream, unread; nil when it has none. Only for a
    /// decision whose append expects its version, so that it lands only if the state was current.
    func cached<D: Decider>(_: D.Type, _ stream: StreamName) -> (state: D.State, version: Int64)? {
        cache.get(stream.rawValue, as: D.State.self)
    }

    /// Caches the state `appended` left at `version`, folded from the events' stored text as a
    /// load would fold them (dates to the second, as stored), unless it holds personal data.
    func remember<D: Decider>(_: D.Type, _ stream: StreamName, decidedOn state: D.State, appended: [NewEvent], version: Int64) {
        var state = state
        for event in appended {
            // An event that does not read back is left to the next load, which reads it from the
            // store and fails loudly there; the cache only stays behind.
            guard let stored = try? EventCodec.decode(D.Event.self, EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data)) else {
                return
            }
            state = D.evolve(state, stored)
        }
        guard !((state as? any PersonalDataHolding)?.holdsPersonalData ?? false) else { return }
        cache.put(stream.rawValue, state: state, version: version)
    }

    /// Decides several aggregates' commands and appends them in one transaction, each stream
    /// expecting the version it was decided on; decides again when another writer got in first.
    /// `steps` may return appends without events (nothing to do there); they are left out.
    /// - Returns: the results of the streams appended to; empty when nothing was decided.
    public func decideTogether(
        metadata: EventMetadata, attempts: Int = 8, _ steps: (StepDecider) async throws -> [StreamAppend]
    ) async throws -> [AppendResult] {
        var attempt = 0
        while true {
            attempt += 1
            let appends = try await steps(StepDecider(repository: self, metadata: metadata)).filter { !$0.events.isEmpty }
            guard !appends.isEmpty else { return [] }
            do {
                return try await append(appends)
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion && attempt < attempts {
                continue
            }
        }
    }

    /// Like ``decideTogether(metadata:attempts:_:)``, with `writes` committed in the same
    /// transaction as the events (a schedule row, a process's checkpoint). The writes run even
    /// when nothing is appended.
    public func decideTogether(
        metadata: EventMetadata, attempts: Int = 8, alongside writes: @escaping @Sendable (PostgresConnection) async throws -> Void,
        _ steps: (StepDecider) async throws -> [StreamAppend]
    ) async throws -> [AppendResult] {
        var attempt = 0
        while true {
            attempt += 1
            let appends = try await steps(StepDecider(repository: self, metadata: metadata)).filter { !$0.events.isEmpty }
            do {
                return try await appendTogether(appends, alongside: writes)
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion && attempt < attempts {
                continue
            }
        }
    }

    /// Appends in one transaction with `writes`; errors thrown inside come out as themselves.
    /// However many events there are (a bulk import), they commit together: split into appends
    /// under the store's per-append limit inside the one transaction.
    /// - Parameter first: runs before the appends in the same transaction (a fence that may throw to abandon it all).
    public func appendTogether(
        _ appends: [StreamAppend], first: (@Sendable (PostgresConnection) async throws -> Void)? = nil,
        alongside writes: @escaping @Sendable (PostgresConnection) async throws -> Void = { _ in }
    ) async throws -> [AppendResult] {
        // Keys are made (on first use) before the transaction, which then only reads them.
        let appends = try await personalData.seal(appends)
        let limit = store.limits.maximumEventsPerAppend
        var chunks: [[StreamAppend]] = []
        var inChunk = 0
        for append in appends {
            if chunks.isEmpty || (inChunk + append.events.count > limit && !chunks[chunks.count - 1].isEmpty) {
                chunks.append([])
                inChunk = 0
            }
            chunks[chunks.count - 1].append(append)
            inChunk += append.events.count
        }
        let store = self.store
        let chunked = chunks
        do {
            let results = try await store.client.withWatchedTransaction(logger: store.logger) { connection in
                try await first?(connection)
                var results: [AppendResult] = []
                for chunk in chunked { results += try await store.append(chunk, on: connection) }
                try await writes(connection)
                return results
            }
            store.appendsCommitted()
            return results
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError { throw inner }
            throw error
        }
    }

    public static func newEvent(_ event: some DomainEvent, _ metadata: EventMetadata) -> NewEvent {
        let encoded = EventCodec.encode(event)
        return NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json, metadata: metadata)
    }
}

extension StreamName {
    /// `<category>-<id>` for an id that has been validated already (ids are letters, digits, `-`, `_`).
    public static func of(_ category: String, _ id: some CustomStringConvertible) -> StreamName {
        // A validated Identifier always makes a valid stream name.
        try! StreamName("\(category)-\(id)")
    }
}

/// Loads an aggregate, decides a command on it, and returns the append that would record it,
/// expecting the version it was decided on. For commands that change several aggregates in one
/// transaction (`store.append([StreamAppend])`).
public struct StepDecider: Sendable {
    let repository: AggregateRepository
    let metadata: EventMetadata

    public init(repository: AggregateRepository, metadata: EventMetadata) {
        self.repository = repository
        self.metadata = metadata
    }

    public func callAsFunction<D: Decider>(_: D.Type, _ stream: StreamName, _ command: D.Command) async throws -> StreamAppend {
        try await callAsFunction(D.self, stream, [command])
    }

    /// Several commands on one stream, each decided on the state the previous ones left, as
    /// one append (e.g. record an authorization, then request its void).
    public func callAsFunction<D: Decider>(_: D.Type, _ stream: StreamName, _ commands: [D.Command]) async throws -> StreamAppend {
        let (loaded, version) = try await repository.load(D.self, stream)
        var state = loaded
        var events: [D.Event] = []
        let context = DecisionContext(now: Date())
        for command in commands {
            let decided = try D.handle(command, state, context)
            events += decided.events
            state = decided.state
        }
        return StreamAppend(stream: stream, expectedVersion: .exact(version), events: events.map { AggregateRepository.newEvent($0, metadata) })
    }

    /// The aggregate's current state (from the cache and the store), for deciding what to do.
    public func state<D: Decider>(_: D.Type, _ stream: StreamName) async throws -> D.State {
        try await repository.load(D.self, stream).state
    }
}

/// Aggregate states by stream, at the version they were folded to. Events never change, so a
/// cached state is never wrong, only possibly behind: loading reads the events after it. A
/// product with many variants and prices is then not decoded from scratch on every add to cart.
final class StateCache: Sendable {
    private struct Entry {
        let state: any Sendable
        let version: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func get<State: Sendable>(_ stream: String, as _: State.Type) -> (State, Int64)? {
        entries.withLock { entries in
            guard let entry = entries[stream], let state = entry.state as? State else { return nil }
            return (state, entry.version)
        }
    }

    func put(_ stream: String, state: some Sendable, version: Int64) {
        entries.withLock { entries in
            if let existing = entries[stream], existing.version >= version { return }
            // Simple bound: start over when full (hot streams come back at once).
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[stream] = Entry(state: state, version: version)
        }
    }
}
