import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("Appending events")
struct AppendTests {
    @Test("a new stream gets versions 1…n and increasing global positions")
    func appendToNewStream() async throws {
        try await withStore { store, _ in
            let cart = stream("cart-1")
            let result = try await store.append([makeEvent(), makeEvent(), makeEvent()], to: cart, expectedVersion: .noStream)
            #expect(result.firstVersion == 1)
            #expect(result.lastVersion == 3)
            #expect(result.lastPosition - result.firstPosition == 2)
            #expect(!result.alreadyStored)

            let next = try await store.append([makeEvent()], to: cart, expectedVersion: .exact(3))
            #expect(next.firstVersion == 4)
            #expect(next.firstPosition > result.lastPosition)
            #expect(try await store.version(of: cart) == 4)
            let events = try await store.read(cart)
            #expect(events.map(\.version) == [1, 2, 3, 4])
            #expect(events.allSatisfy { $0.metadata.actor == "tester" && $0.metadata.correlationID != nil })
        }
    }

    @Test("a wrong expectation is a conflict naming the actual version, and writes nothing")
    func expectedVersionConflicts() async throws {
        try await withStore { store, client in
            let cart = stream("cart-2")
            try await store.append([makeEvent(), makeEvent()], to: cart, expectedVersion: .any)
            for expectation in [ExpectedVersion.exact(1), .exact(5), .noStream, .exact(0)] {
                let error = await #expect(throws: EventStoreError.self) {
                    try await store.append([makeEvent()], to: cart, expectedVersion: expectation)
                }
                #expect(error?.code == .wrongExpectedVersion)
                #expect(error?.actualVersion == 2)
                #expect(error?.stream == cart)
            }
            let missing = await #expect(throws: EventStoreError.self) {
                try await store.append([makeEvent()], to: stream("cart-none"), expectedVersion: .streamExists)
            }
            #expect(missing?.actualVersion == 0)
            #expect(try await eventCount(client) == 2)
            try await store.append([makeEvent()], to: cart, expectedVersion: .streamExists)
            #expect(try await store.version(of: cart) == 3)
        }
    }

    @Test("re-sending the same events returns the original result and writes nothing")
    func idempotentRetry() async throws {
        try await withStore { store, client in
            let events = [makeEvent("A", #"{"a":1}"#), makeEvent("B", #"{"b":2}"#)]
            let first = try await store.append(events, to: stream("order-1"), expectedVersion: .noStream)
            let retry = try await store.append(events, to: stream("order-1"), expectedVersion: .noStream)
            #expect(retry.alreadyStored)
            #expect(retry.firstVersion == first.firstVersion)
            #expect(retry.lastVersion == first.lastVersion)
            #expect(retry.firstPosition == first.firstPosition)
            #expect(retry.lastPosition == first.lastPosition)
            #expect(try await eventCount(client) == 2)
        }
    }

    @Test("the same event id with other content or in another stream is refused")
    func idempotencyConflict() async throws {
        try await withStore { store, client in
            let id = UUID()
            try await store.append([makeEvent("A", #"{"a":1}"#, id: id)], to: stream("order-1"), expectedVersion: .any)
            let changed = await #expect(throws: EventStoreError.self) {
                try await store.append([makeEvent("A", #"{"a":2}"#, id: id)], to: stream("order-1"), expectedVersion: .any)
            }
            #expect(changed?.code == .idempotencyConflict)
            let moved = await #expect(throws: EventStoreError.self) {
                try await store.append([makeEvent("A", #"{"a":1}"#, id: id)], to: stream("order-2"), expectedVersion: .any)
            }
            #expect(moved?.code == .idempotencyConflict)
            let partial = await #expect(throws: EventStoreError.self) {
                try await store.append([makeEvent("A", #"{"a":1}"#, id: id), makeEvent()], to: stream("order-1"), expectedVersion: .any)
            }
            #expect(partial?.code == .idempotencyConflict)
            #expect(try await eventCount(client) == 1)
        }
    }

    @Test("several streams in one append: all or nothing")
    func multiStreamAtomicity() async throws {
        try await withStore { store, client in
            try await store.append([makeEvent()], to: stream("inventory-SKU-1"), expectedVersion: .noStream)
            try await store.append([makeEvent()], to: stream("inventory-SKU-2"), expectedVersion: .noStream)

            let results = try await store.append([
                StreamAppend(stream: stream("order-9"), expectedVersion: .noStream, events: [makeEvent("OrderPlaced")]),
                StreamAppend(stream: stream("inventory-SKU-1"), expectedVersion: .exact(1), events: [makeEvent("StockReserved")]),
                StreamAppend(stream: stream("inventory-SKU-2"), expectedVersion: .exact(1), events: [makeEvent("StockReserved")]),
            ])
            #expect(results.map(\.stream.rawValue) == ["order-9", "inventory-SKU-1", "inventory-SKU-2"])
            #expect(results.map(\.lastVersion) == [1, 2, 2])
            #expect(try await eventCount(client) == 5)

            // The last expectation is stale: nothing of the three is written.
            let error = await #expect(throws: EventStoreError.self) {
                try await store.append([
                    StreamAppend(stream: stream("order-10"), expectedVersion: .noStream, events: [makeEvent("OrderPlaced")]),
                    StreamAppend(stream: stream("inventory-SKU-1"), expectedVersion: .exact(2), events: [makeEvent("StockReserved")]),
                    StreamAppend(stream: stream("inventory-SKU-2"), expectedVersion: .exact(1), events: [makeEvent("StockReserved")]),
                ])
            }
            #expect(error?.code == .wrongExpectedVersion)
            #expect(error?.stream == stream("inventory-SKU-2"))
            #expect(error?.actualVersion == 2)
            #expect(try await eventCount(client) == 5)
            #expect(try await store.version(of: stream("order-10")) == 0)
            #expect(try await store.version(of: stream("inventory-SKU-1")) == 2)
        }
    }

    @Test("a stream without events is a condition: checked with the append, never written")
    func conditions() async throws {
        try await withStore { store, client in
            let product = stream("product-lamp"), cart = stream("cart-lamp")
            try await store.append([makeEvent(), makeEvent()], to: product, expectedVersion: .noStream)
            let results = try await store.append([
                StreamAppend(stream: cart, expectedVersion: .noStream, events: [makeEvent("ItemAdded")]),
                .condition(product, at: .exact(2)),
                .condition(stream("product-none"), at: .noStream),
            ])
            #expect(results.map(\.stream) == [cart])
            #expect(results.first?.firstVersion == 1 && results.first?.lastPosition == results.first?.firstPosition)
            #expect(try await store.read(cart).map(\.position) == results.map(\.firstPosition))
            #expect(try await store.version(of: product) == 2)
            #expect(try await eventCount(client) == 3)

            // The product moved on (or never existed): nothing of the append is written.
            for (condition, actual) in [(StreamAppend.condition(product, at: .exact(1)), Int64(2)), (.condition(stream("product-none"), at: .streamExists), 0)] {
                let error = await #expect(throws: EventStoreError.self) {
                    try await store.append([StreamAppend(stream: cart, expectedVersion: .exact(1), events: [makeEvent("ItemAdded")]), condition])
                }
                #expect(error?.code == .wrongExpectedVersion)
                #expect(error?.stream == condition.stream && error?.actualVersion == actual)
            }
            #expect(try await eventCount(client) == 3)

            // Conditions alone append nothing: refused, as an append without streams is.
            let alone = await #expect(throws: EventStoreError.self) { try await store.append([.condition(product, at: .exact(2))]) }
            #expect(alone?.code == .emptyAppend)
        }
    }

    @Test("appends with conditions sharing one commit each get their own events' places")
    func conditionsInOneBatch() async throws {
        // One batch in flight at a time: the appends waiting behind it go in one call.
        try await withStore(limits: .init(concurrentAppendBatches: 1)) { store, client in
            let product = stream("product-shared")
            try await store.append([makeEvent()], to: product, expectedVersion: .noStream)
            // Concurrent appends share transactions (the batcher); each names the product first,
            // so a condition's row stands before its request's events in the batch.
            let results = try await withThrowingTaskGroup(of: (Int, AppendResult?).self) { group in
                for index in 0..<24 {
                    group.addTask {
                        let written = StreamAppend(stream: stream("cart-shared\(index)"), expectedVersion: .noStream, events: [makeEvent(), makeEvent()])
                        // Every third one expects a version the product never had.
                        let condition = StreamAppend.condition(product, at: .exact(index % 3 == 2 ? 5 : 1))
                        do {
                            let results = try await store.append([condition, written])
                            #expect(results.count == 1)
                            return (index, results.first)
                        } catch let error as EventStoreError where error.code == .wrongExpectedVersion && index % 3 == 2 {
                            return (index, nil)
                        }
                    }
                }
                return try await group.reduce(into: [Int: AppendResult?]()) { $0[$1.0] = $1.1 }
            }
            for index in 0..<24 {
                let stored = try await store.read(stream("cart-shared\(index)"))
                if index % 3 == 2 {
                    #expect(results[index] == .some(nil) && stored.isEmpty)
                } else {
                    let result = try #require(results[index] ?? nil)
                    #expect(result.stream == stream("cart-shared\(index)"))
                    #expect([result.firstPosition, result.lastPosition] == stored.map(\.position))
                    #expect(result.firstVersion == 1 && result.lastVersion == 2)
                }
            }
            #expect(try await eventCount(client) == 1 + 16 * 2)
            #expect(try await store.version(of: product) == 1)
        }
    }

    @Test("a stream's category is its name up to the first '-', as PostgreSQL's split_part cuts it, whatever follows")
    func categoriesAsStored() async throws {
        try await withStore { store, client in
            for name in ["cart-1", "inventory-SKU-1-a", "cart-Grüße", "cart-\u{301}x", "order2-東京-1"] {
                let stream = try StreamName(name)
                try await store.append([makeEvent()], to: stream, expectedVersion: .any)
                let stored = try await client.query("SELECT stream_category FROM events WHERE stream_name = \(name)").decode(String.self).collectAll()
                #expect(stored == [String(stream.category)], "\(name)")
                // Cut by bytes: a Character "-́" (a dash and a combining accent) is no "-".
                let parts = name.utf8.split(separator: UInt8(ascii: "-"), maxSplits: 1, omittingEmptySubsequences: false)
                #expect([String(stream.category), String(stream.id)] == parts.map { String(decoding: $0, as: UTF8.self) }, "\(name)")
            }
        }
    }

    @Test("bad input is refused with a stable code and nothing is written")
    func badInput() async throws {
        try await withStore(limits: .init(maximumEventBytes: 1024)) { store, client in
            for name in [
                "", "cart", "-1", "Cart-1", "cart-", "cart-a b", "ca rt-1", "cart-\u{7}", "cart-a\u{7F}", "cärt-1", "cart-a\u{A0}b", "cart-Grüße\u{2003}",
                String(repeating: "x", count: 190) + "-" + String(repeating: "y", count: 20),
            ] {
                let error = #expect(throws: EventStoreError.self) { try StreamName(name) }
                #expect(error?.code == .invalidStreamName, "\(name)")
            }
            let cases: [(EventStoreError.Code, [StreamAppend])] = [
                (.emptyAppend, []),
                (.emptyAppend, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [])]),
                (.eventTooLarge, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Big", #"{"x":""# + String(repeating: "a", count: 2000) + #""}"#)])]),
                (.invalidPayload, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Bad", "not json")])]),
                (.invalidPayload, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Bad", "[1,2]")])]),
                (.invalidPayload, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Ok"), makeEvent("Bad", #"{"a":"#)])]),
                (.invalidExpectedVersion, [StreamAppend(stream: stream("cart-1"), expectedVersion: .exact(-5), events: [makeEvent()])]),
                (.invalidExpectedVersion, [StreamAppend(stream: stream("cart-1"), expectedVersion: .exact(.max), events: [makeEvent()])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("")])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("has space")])]),
                // A letter first, then letters, digits, '.' or '_', all ASCII (the neighbours of
                // 'A'–'Z' and 'a'–'z' in ASCII are not letters).
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("1Step")])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("_Step")])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Événement")])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Step@1")])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Step[1]")])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Step`s{x}")])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("Stepé")])]),
                (.invalidEventType, [StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent("S" + String(repeating: "x", count: 200))])]),
                (.duplicateStream, [
                    StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent()]),
                    StreamAppend(stream: stream("cart-1"), expectedVersion: .any, events: [makeEvent()]),
                ]),
            ]
            for (code, appends) in cases {
                let error = await #expect(throws: EventStoreError.self) { try await store.append(appends) }
                #expect(error?.code == code, "\(appends.first?.events.first?.type ?? "empty")")
            }
            let id = UUID()
            let duplicate = await #expect(throws: EventStoreError.self) {
                try await store.append([makeEvent(id: id), makeEvent(id: id)], to: stream("cart-1"), expectedVersion: .any)
            }
            #expect(duplicate?.code == .duplicateEventID)
            let written = try await eventCount(client)
            let version = try await store.version(of: stream("cart-1"))
            #expect(written == 0)
            #expect(version == 0)
        }
    }

    @Test("event types of ASCII letters, digits, '.' and '_', a letter first and at most 200 bytes, are taken")
    func eventTypesTaken() async throws {
        try await withStore { store, _ in
            let types = ["a", "Z", "z", "A9", "Order.Placed_v2", "zZ._09", "S" + String(repeating: "x", count: 199)]
            try await store.append(types.map { makeEvent($0) }, to: stream("typed-1"), expectedVersion: .noStream)
            #expect(try await store.read(stream("typed-1")).map(\.type) == types)
        }
    }

    @Test("the database refuses to update, delete or truncate stored events")
    func eventsAreImmutable() async throws {
        try await withStore { store, client in
            try await store.append([makeEvent()], to: stream("cart-1"), expectedVersion: .any)
            for statement in ["UPDATE events SET data = '{}'", "DELETE FROM events", "TRUNCATE events"] {
                let error = await #expect(throws: PSQLError.self) {
                    try await client.query(PostgresQuery(unsafeSQL: statement))
                }
                #expect(error?.serverInfo?[.sqlState] == "CE010", "\(statement)")
            }
            #expect(try await eventCount(client) == 1)
        }
    }
}
