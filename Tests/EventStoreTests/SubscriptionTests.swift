import EventStore
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite("Subscriptions to $all")
struct SubscriptionTests {
    @Test("catches up from history, follows live appends, stops on cancel, resumes from its checkpoint")
    func catchUpThenLive() async throws {
        try await withStore { store, _ in
            try await store.append((1...30).map { _ in makeEvent("History") }, to: stream("cart-1"), expectedVersion: .any)
            let received = LockedBox<[RecordedEvent]>([])

            let subscriber = Task {
                for try await event in store.subscribe(from: 0, batchSize: 7) {
                    received.withLock { $0.append(event) }
                    try await store.storeCheckpoint(event.position, for: "test-subscriber")
                }
            }
            try await waitUntil { received.withLock { $0.count } == 30 }
            for batch in 0..<5 {
                try await store.append((1...4).map { _ in makeEvent("Live", #"{"batch":\#(batch)}"#) }, to: stream("order-\(batch)"), expectedVersion: .any)
            }
            try await waitUntil { received.withLock { $0.count } == 50 }
            subscriber.cancel()
            _ = await subscriber.result

            // Appended while nobody listens; a resumed subscription picks up exactly these.
            try await store.append((1...5).map { _ in makeEvent("WhileStopped") }, to: stream("cart-2"), expectedVersion: .any)
            let checkpoint = try await store.checkpoint(of: "test-subscriber")
            #expect(checkpoint == 50)
            var resumed: [RecordedEvent] = []
            for try await event in store.subscribe(from: checkpoint) {
                resumed.append(event)
                if resumed.count == 5 { break }
            }

            let all = received.withLock { $0 } + resumed
            #expect(all.map(\.position) == Array(1...55))
            #expect(resumed.allSatisfy { $0.type == "WhileStopped" })
        }
    }

    @Test("a filtered subscription sees only its category, live too")
    func filtered() async throws {
        try await withStore { store, _ in
            try await store.append([makeEvent("CartCreated")], to: stream("cart-1"), expectedVersion: .any)
            try await store.append([makeEvent("OrderPlaced")], to: stream("order-1"), expectedVersion: .any)
            var types: [String] = []
            let appendLater = Task {
                try await Task.sleep(for: .milliseconds(100))
                try await store.append([makeEvent("CartNoise")], to: stream("cart-2"), expectedVersion: .any)
                try await store.append([makeEvent("OrderPaid")], to: stream("order-1"), expectedVersion: .any)
            }
            for try await event in store.subscribe(from: 0, filter: .category("order")) {
                types.append(event.type)
                if types.count == 2 { break }
            }
            try await appendLater.value
            #expect(types == ["OrderPlaced", "OrderPaid"])
        }
    }

    @Test("another process's appends wake a subscriber through LISTEN/NOTIFY")
    func crossProcessWakeUp() async throws {
        try await withTestDatabase { client, _ in
            // Two stores on one database stand for two processes: neither sees the other's local signal.
            let writer = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            let reader = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await writer.runNotifications() }
                group.addTask { try await reader.runNotifications() }
                try await Task.sleep(for: .milliseconds(200))  // LISTEN is set up
                let started = ContinuousClock.now
                let received = Task {
                    // A poll interval longer than the test allows: only a notification can wake it in time.
                    for try await event in reader.subscribe(from: 0, pollInterval: .seconds(60)) { return event.type }
                    return "none"
                }
                try await Task.sleep(for: .milliseconds(100))
                try await writer.append([makeEvent("Remote")], to: stream("cart-remote"), expectedVersion: .any)
                // Well inside the 60 s poll, with room for a loaded machine (a CI run saw 10.2 s).
                let type = try await withTimeout(.seconds(25)) { try await received.value }
                #expect(type == "Remote")
                #expect(ContinuousClock.now - started < .seconds(25))
                group.cancelAll()
            }
        }
    }

    @Test("a process announces each of its appends once, and neither hears itself nor repeats what it heard")
    func notificationsDoNotEcho() async throws {
        try await withTestDatabase { client, _ in
            // Two stores on one database stand for two processes; a third connection counts what is sent.
            let writer = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            let reader = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            let announced = LockedBox<Int>(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        try await connection.listen(on: "commerce_events") { notifications in
                            for try await notification in notifications where !notification.payload.hasPrefix("probe") {
                                announced.withLock { $0 += 1 }
                            }
                        }
                    }
                }
                group.addTask { try await writer.runNotifications() }
                group.addTask { try await reader.runNotifications() }
                defer { group.cancelAll() }
                // Both stores listen once a NOTIFY of the test's own wakes each of them.
                for store in [writer, reader] {
                    var heard = false
                    for attempt in 0..<50 where !heard {
                        let before = store.appendGeneration
                        try await client.query("SELECT pg_notify('commerce_events', \("probe-\(attempt)"))")
                        let deadline = ContinuousClock.now + .seconds(1)
                        while !heard, ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(5))
                            heard = store.appendGeneration != before
                        }
                    }
                    #expect(heard)
                }
                // A probe heard by one store may still be on its way to the other: the writer's
                // count is taken once it has stood still for a while.
                var writerBefore = writer.appendGeneration
                var stillSince = ContinuousClock.now
                while ContinuousClock.now - stillSince < .milliseconds(100) {
                    try await Task.sleep(for: .milliseconds(5))
                    if writer.appendGeneration != writerBefore { (writerBefore, stillSince) = (writer.appendGeneration, .now) }
                }
                try await writer.append([makeEvent("Announced")], to: stream("cart-echo"), expectedVersion: .any)
                try await waitUntil { announced.withLock { $0 } >= 1 }
                // An echo would come within milliseconds and then every few (the NOTIFYs are
                // 5 ms apart at most): a quiet spell is the only way to see that none comes.
                try await Task.sleep(for: .milliseconds(300))
                #expect(announced.withLock { $0 } == 1, "one NOTIFY for one append, none in answer to it")
                #expect(writer.appendGeneration == writerBefore + 1, "the writer is woken by its append, not again by its own NOTIFY")
            }
        }
    }
}
