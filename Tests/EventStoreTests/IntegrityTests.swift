import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("Hash chain and snapshots")
struct IntegrityTests {
    @Test("an intact store verifies")
    func intact() async throws {
        try await withStore { store, _ in
            for index in 0..<5 {
                try await store.append((0..<3).map { makeEvent("E", #"{"i":\#($0), "unicode":"ü€😀"}"#) }, to: stream("cart-\(index)"), expectedVersion: .any)
            }
            let one = try await store.verify(stream("cart-2"))
            #expect(one.isIntact)
            #expect(one.eventsChecked == 3)
            let all = try await store.verifyAll()
            #expect(all.isIntact)
            #expect(all.streamsChecked == 5)
            #expect(all.eventsChecked == 15)
        }
    }

    @Test("a row altered directly in SQL is found: the first broken link is named")
    func alteredRowDetected() async throws {
        try await withStore { store, client in
            try await store.append((1...4).map { _ in makeEvent("Paid", #"{"amount":100}"#) }, to: stream("payment-1"), expectedVersion: .any)
            try await store.append([makeEvent()], to: stream("cart-1"), expectedVersion: .any)
            // A superuser bypassing the immutability trigger, as an attacker with full access would.
            try await client.query("ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete")
            try await client.query("UPDATE events SET data = '{\"amount\": 1}' WHERE stream_name = 'payment-1' AND stream_version = 3")
            try await client.query("ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete")

            let result = try await store.verify(stream("payment-1"))
            let broken = try #require(result.firstBrokenLink)
            #expect(broken.stream == stream("payment-1"))
            #expect(broken.version == 3)
            let all = try await store.verifyAll()
            #expect(all.firstBrokenLink?.version == 3)
            #expect(all.eventsChecked == 5)
            #expect(try await store.verify(stream("cart-1")).isIntact)
        }
    }

    @Test("a deleted row breaks the chain at the event after it")
    func deletedRowDetected() async throws {
        try await withStore { store, client in
            try await store.append((1...3).map { _ in makeEvent() }, to: stream("order-1"), expectedVersion: .any)
            try await client.query("ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete")
            try await client.query("DELETE FROM events WHERE stream_name = 'order-1' AND stream_version = 2")
            try await client.query("ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete")
            let result = try await store.verify(stream("order-1"))
            #expect(result.firstBrokenLink?.version == 3)
        }
    }

    @Test("a snapshot round trip: load returns the snapshot and only newer events")
    func snapshotRoundTrip() async throws {
        try await withStore { store, _ in
            let cart = stream("cart-1")
            try await store.append((1...5).map { makeEvent("ItemAdded", #"{"n":\#($0)}"#) }, to: cart, expectedVersion: .any)
            try await store.saveSnapshot(Snapshot(stream: cart, version: 3, type: "CartState", data: #"{"items":3}"#))
            try await store.append([makeEvent("ItemAdded", #"{"n":6}"#)], to: cart, expectedVersion: .exact(5))

            let (snapshot, events) = try await store.loadFromSnapshot(cart)
            #expect(snapshot?.version == 3)
            #expect(snapshot?.data == #"{"items": 3}"#)
            #expect(events.map(\.version) == [4, 5, 6])

            let (none, all) = try await store.loadFromSnapshot(stream("cart-2"))
            #expect(none == nil)
            #expect(all.isEmpty)
            await #expect(throws: EventStoreError.self) {
                try await store.saveSnapshot(Snapshot(stream: cart, version: 99, type: "CartState", data: "{}"))
            }
        }
    }
}
