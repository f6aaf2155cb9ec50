import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("Reading streams and $all")
struct ReadTests {
    @Test("a stream reads forwards and backwards from a version, with a limit")
    func readStream() async throws {
        try await withStore { store, _ in
            let order = stream("order-1")
            try await store.append((1...10).map { makeEvent("Step", #"{"step":\#($0)}"#) }, to: order, expectedVersion: .noStream)
            #expect(try await store.read(order, from: 4, limit: 3).map(\.version) == [4, 5, 6])
            #expect(try await store.read(order, direction: .backwards, limit: 3).map(\.version) == [10, 9, 8])
            #expect(try await store.read(order, from: 2, direction: .backwards).map(\.version) == [2, 1])
            #expect(try await store.read(stream("order-none")).isEmpty)
            let first = try #require(try await store.read(order, limit: 1).first)
            #expect(first.data == #"{"step":1}"#, "stored verbatim")
            #expect(first.type == "Step")
            await #expect(throws: EventStoreError.self) { try await store.read(order, limit: 0) }
        }
    }

    @Test("every field reads back as stored, with and without correlation, causation and actor, through every read")
    func fieldsReadBackAsStored() async throws {
        try await withStore { store, client in
            let full = NewEvent(
                type: "Noted", schemaVersion: 3, data: #"{"note":"crème brûlée ✓","n":-7}"#,
                metadata: EventMetadata(correlationID: UUID(), causationID: UUID(), actor: "customer:ünïcode", extra: ["occurredAt": "2026-01-02T03:04:05.123456Z"])
            )
            let bare = NewEvent(type: "Bare", data: "{}", metadata: EventMetadata())
            let onlyCausation = NewEvent(type: "Caused", data: #"{"a":[1,2]}"#, metadata: EventMetadata(causationID: UUID()))
            let appended = [full, bare, onlyCausation]
            try await store.append(appended, to: stream("note-1"), expectedVersion: .noStream)

            // What PostgreSQL holds, read through postgres-nio's own decoding of plain columns.
            let stored = try await client.query(
                """
                SELECT global_position, stream_version, event_id::text, schema_version, (extract(epoch FROM recorded_at) * 1000000)::bigint,
                       coalesce(correlation_id::text, ''), coalesce(causation_id::text, ''), coalesce(actor, ''), metadata::text
                FROM events ORDER BY global_position
                """
            ).decode((Int64, Int64, String, Int32, Int64, String, String, String, String).self).collectAll()
            #expect(stored.count == 3)

            let reads: [(String, [RecordedEvent])] = [
                ("stream", try await store.read(stream("note-1"))),
                ("$all", try await store.readAll(after: 0, limit: 10).events),
                ("positions", try await store.events(at: stored.map(\.0))),
                ("gap", try await client.withConnection { connection in
                    try await PostgresEventStore.events(
                        filling: [StreamGap(stream: "note-1", after: 0, before: 4)], above: 0, on: connection, logger: TestEnvironment.logger
                    )
                }),
            ]
            for (read, events) in reads {
                #expect(events.count == 3, "\(read)")
                for (event, (new, row)) in zip(events, zip(appended, stored)) {
                    #expect(event.position == row.0 && event.version == row.1, "\(read)")
                    #expect(event.id == new.id && event.id.uuidString.lowercased() == row.2, "\(read)")
                    #expect(event.stream.rawValue == "note-1" && event.type == new.type && event.data == new.data, "\(read)")
                    #expect(event.schemaVersion == new.schemaVersion && event.schemaVersion == row.3, "\(read)")
                    #expect(Int64((event.recordedAt.timeIntervalSince1970 * 1_000_000).rounded()) == row.4, "\(read): the time to the microsecond")
                    #expect(event.metadata.correlationID == new.metadata.correlationID, "\(read)")
                    #expect((event.metadata.correlationID?.uuidString.lowercased() ?? "") == row.5, "\(read)")
                    #expect(event.metadata.causationID == new.metadata.causationID, "\(read)")
                    #expect((event.metadata.causationID?.uuidString.lowercased() ?? "") == row.6, "\(read)")
                    #expect(event.metadata.actor == new.metadata.actor && (event.metadata.actor ?? "") == row.7, "\(read)")
                    #expect(event.metadata.extra == new.metadata.extra, "\(read)")
                }
            }
        }
    }

    @Test("$all reads in global order, by category and by event type")
    func readAllWithFilters() async throws {
        try await withStore { store, _ in
            try await store.append([makeEvent("CartCreated")], to: stream("cart-1"), expectedVersion: .any)
            try await store.append([makeEvent("OrderPlaced")], to: stream("order-1"), expectedVersion: .any)
            try await store.append([makeEvent("ItemAdded"), makeEvent("ItemAdded")], to: stream("cart-1"), expectedVersion: .any)
            try await store.append([makeEvent("OrderPaid")], to: stream("order-1"), expectedVersion: .any)

            let all = try await readEverything(store)
            #expect(all.map(\.position) == [1, 2, 3, 4, 5])
            #expect(try await readEverything(store, filter: .category("cart")).map(\.type) == ["CartCreated", "ItemAdded", "ItemAdded"])
            #expect(try await readEverything(store, filter: EventFilter(eventTypes: ["OrderPlaced", "CartCreated"])).map(\.position) == [1, 2])
            let page = try await store.readAll(after: 0, limit: 2)
            #expect(page.events.map(\.position) == [1, 2])
            #expect(page.nextPosition == 2)
            let filtered = try await store.readAll(after: 0, limit: 10, filter: .category("order"))
            #expect(filtered.nextPosition == 5, "a filtered page that shows everything up to the frontier resumes after it")

            // One category is compared as a value, several as an array: both with the type filters, in pages.
            try await store.append([makeEvent("StockReserved")], to: stream("inventory-1"), expectedVersion: .any)
            #expect(try await readEverything(store, filter: EventFilter(categories: ["order", "inventory", "order"])).map(\.position) == [2, 5, 6])
            #expect(try await readEverything(store, filter: EventFilter(categories: ["cart"], excludedTypes: ["CartCreated"])).map(\.position) == [3, 4])
            #expect(try await readEverything(store, filter: EventFilter(categories: ["cart", "inventory"], eventTypes: ["ItemAdded", "StockReserved"])).map(\.position) == [3, 4, 6])
            let twoOfThree = try await store.readAll(after: 0, limit: 2, filter: EventFilter(categories: ["order", "inventory"]))
            #expect(twoOfThree.events.map(\.position) == [2, 5] && twoOfThree.nextPosition == 5)
        }
    }

    @Test("a read of several categories past their last event, many events before the frontier, finds nothing and resumes at the frontier")
    func readAllPastTheLastEventOfItsCategories() async throws {
        try await withStore { store, _ in
            try await store.append([makeEvent("OrderPlaced")], to: stream("order-1"), expectedVersion: .any)
            try await store.append([makeEvent("StockReserved")], to: stream("inventory-1"), expectedVersion: .any)
            try await store.append([makeEvent("OrderPaid")], to: stream("order-1"), expectedVersion: .any)
            // More positions of another category than a read walks before it looks for the last
            // event of the ones it wants.
            let others = Int(PostgresEventStore.walkWorthABound) + 500
            for start in stride(from: 0, to: others, by: 1_000) {
                let events = (start..<min(start + 1_000, others)).map { _ in makeEvent("SearchPerformed") }
                try await store.append(events, to: stream("activity-\(start)"), expectedVersion: .noStream)
            }
            let head = Int64(3 + others)
            let wanted = EventFilter(categories: ["order", "inventory"])

            let first = try await store.readAll(after: 0, limit: 10, filter: wanted)
            #expect(first.events.map(\.position) == [1, 2, 3])
            #expect(first.nextPosition == head, "a short page shows every wanted event up to the frontier")
            let past = try await store.readAll(after: 3, limit: 10, filter: wanted)
            #expect(past.events.isEmpty && past.nextPosition == head)
            let full = try await store.readAll(after: 0, limit: 2, filter: wanted)
            #expect(full.events.map(\.position) == [1, 2] && full.nextPosition == 2)
            let typed = try await store.readAll(after: 0, limit: 10, filter: EventFilter(categories: ["order", "inventory"], excludedTypes: ["OrderPaid"]))
            #expect(typed.events.map(\.position) == [1, 2] && typed.nextPosition == head)
            let none = try await store.readAll(after: 0, limit: 10, filter: EventFilter(categories: ["cart", "review"]))
            #expect(none.events.isEmpty && none.nextPosition == head)

            // A wanted event after the others is found, the walk to it included.
            try await store.append([makeEvent("OrderShipped")], to: stream("order-1"), expectedVersion: .any)
            let later = try await store.readAll(after: 3, limit: 10, filter: wanted)
            #expect(later.events.map(\.position) == [head + 1] && later.nextPosition == head + 1)
            #expect(try await readEverything(store, filter: wanted).map(\.position) == [1, 2, 3, head + 1])
        }
    }

    @Test("a stream as of a position or a time shows only what had been recorded then")
    func asOfReads() async throws {
        try await withStore { store, _ in
            let cart = stream("cart-1")
            let first = try await store.append([makeEvent(), makeEvent()], to: cart, expectedVersion: .any)
            try await Task.sleep(for: .milliseconds(20))
            let between = Date()
            try await Task.sleep(for: .milliseconds(20))
            try await store.append([makeEvent(), makeEvent()], to: cart, expectedVersion: .any)

            #expect(try await store.read(cart, asOf: .position(first.lastPosition)).map(\.version) == [1, 2])
            #expect(try await store.read(cart, asOf: .position(first.firstPosition)).map(\.version) == [1])
            #expect(try await store.read(cart, asOf: .time(between)).map(\.version) == [1, 2])
            #expect(try await store.read(cart, asOf: .time(Date())).map(\.version) == [1, 2, 3, 4])
            #expect(try await store.read(cart, asOf: .time(Date(timeIntervalSince1970: 0))).isEmpty)
        }
    }
}

@Suite("The safe frontier of $all")
struct FrontierTests {
    @Test("an event that commits late with a lower position is not skipped")
    func lateCommitWithLowerPosition() async throws {
        try await withStore { store, client in
            try await client.withConnection { slow in
                // The slow transaction draws position 1 and stays open.
                try await slow.execute("BEGIN")
                let slowResult = try await store.append(
                    [StreamAppend(stream: stream("cart-slow"), expectedVersion: .any, events: [makeEvent("Slow")])], on: slow
                )
                // A fast one draws position 2 and commits.
                let fast = try await store.append([makeEvent("Fast")], to: stream("cart-fast"), expectedVersion: .any)
                #expect(slowResult[0].firstPosition < fast.firstPosition)

                let blocked = try await store.readAll(after: 0)
                #expect(blocked.events.isEmpty, "position 2 must wait for position 1")
                #expect(blocked.nextPosition == 0)
                let status = try await store.frontierStatus()
                #expect(status.lag >= 2)
                #expect(status.blockedSince != nil)
                #expect(!status.blockingTransactions.isEmpty, "the open transaction is named")

                try await slow.execute("COMMIT")
            }
            let page = try await store.readAll(after: 0)
            #expect(page.events.map(\.type) == ["Slow", "Fast"])
            #expect(try await store.frontierStatus().lag == 0)
        }
    }

    @Test("the frontier probe reads the head, then lists the open appending transactions of this database only")
    func frontierProbe() async throws {
        try await withStore { store, client in
            let appended = try await store.append([makeEvent()], to: stream("cart-probe"), expectedVersion: .any)
            let idle = try await client.query("SELECT head, appenders FROM events_frontier_probe()").decode((Int64, [String]).self).collectAll()
            #expect(idle.map(\.0) == [appended.lastPosition])
            #expect(idle.map(\.1) == [[]], "no appender is running")
            try await client.withConnection { open in
                try await open.execute("BEGIN")
                let held = try await store.append([StreamAppend(stream: stream("cart-open"), expectedVersion: .any, events: [makeEvent()])], on: open)
                let ownID = try await open.query("SELECT virtualtransaction FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'virtualxid'", logger: TestEnvironment.logger)
                    .decode(String.self).collectAll()
                // Another transaction holding an advisory lock of another key is no appender.
                try await client.withConnection { other in
                    try await other.execute("BEGIN")
                    try await other.execute("SELECT pg_advisory_xact_lock_shared(1668246893, 2)")
                    let probed = try await client.query("SELECT head, appenders FROM events_frontier_probe()").decode((Int64, [String]).self).collectAll()
                    #expect(probed.map(\.0) == [held[0].lastPosition], "the open append's position is the head")
                    #expect(probed.map(\.1) == [ownID], "only the open append is listed")
                    try await other.execute("ROLLBACK")
                }
                try await open.execute("ROLLBACK")
            }
        }
    }

    @Test("events of a rolled-back transaction never appear, and the frontier moves past them")
    func rolledBackPositions() async throws {
        try await withStore { store, client in
            try await client.withConnection { connection in
                try await connection.execute("BEGIN")
                _ = try await store.append([StreamAppend(stream: stream("cart-gone"), expectedVersion: .any, events: [makeEvent("Gone")])], on: connection)
                try await store.append([makeEvent("Kept")], to: stream("cart-kept"), expectedVersion: .any)
                try await connection.execute("ROLLBACK")
            }
            try await store.append([makeEvent("After")], to: stream("cart-kept"), expectedVersion: .any)
            let events = try await readEverything(store)
            #expect(events.map(\.type) == ["Kept", "After"])
            #expect(events.map(\.position) == [2, 3])
        }
    }
}
