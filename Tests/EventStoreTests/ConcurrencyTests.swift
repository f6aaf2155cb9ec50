import EventStore
import Foundation
import PostgresNIO
import Synchronization
import Testing
import TestSupport

@Suite("Concurrent writers")
struct ConcurrencyTests {
    /// What the writers did, by event id.
    final class Ledger: Sendable {
        let committed = LockedBox<Set<UUID>>([])
        let rolledBack = LockedBox<Set<UUID>>([])
    }

    @Test("32 writers, some rolled back, some slow: each of eight subscribers sharing the store's frontier gets every committed event once, in order")
    func subscriberSeesEveryCommittedEventOnce() async throws {
        try await withStore(maximumConnections: 48) { store, client in
            let ledger = Ledger()
            let writers = 32
            let roundsPerWriter = 12
            // Several readers of one store probe the frontier concurrently, their answers
            // recorded in any order: none may let another skip an event.
            let subscriberResults = (0..<8).map { _ in LockedBox<[RecordedEvent]>([]) }

            // The subscribers follow $all from the start while the writers run.
            let subscribers = subscriberResults.enumerated().map { index, result in
                Task {
                    for try await event in store.subscribe(from: 0, batchSize: 100, pollInterval: .milliseconds(10 + 10 * index)) {
                        let done = result.withLock { events in
                            events.append(event)
                            return event.type == "Done"
                        }
                        if done { return }
                    }
                }
            }
            do {
                try await withThrowingTaskGroup(of: Void.self) { writersGroup in
                    for writer in 0..<writers {
                        writersGroup.addTask {
                            for round in 0..<roundsPerWriter {
                                // Overlapping streams (shared by four writers) and disjoint ones.
                                let name = round % 2 == 0 ? "cart-shared\(writer % 8)" : "order-w\(writer)"
                                let events = (0..<(1 + (writer + round) % 3)).map { _ in makeEvent("Written") }
                                let mode = (writer * 7 + round) % 6
                                if mode == 0 {
                                    try await appendAndRollBack(store, client, name: name, events: events, ledger: ledger)
                                } else if mode == 1 {
                                    try await appendSlowly(store, client, name: name, events: events, ledger: ledger)
                                } else {
                                    try await store.append(events, to: stream(name), expectedVersion: .any)
                                    ledger.committed.withLock { $0.formUnion(events.map(\.id)) }
                                }
                            }
                        }
                    }
                    try await writersGroup.waitForAll()
                }
                // A last event after every writer is done tells the subscriber to stop.
                let done = makeEvent("Done")
                try await store.append([done], to: stream("cart-done"), expectedVersion: .any)
                ledger.committed.withLock { _ = $0.insert(done.id) }
                try await withTimeout(.seconds(60)) { for subscriber in subscribers { try await subscriber.value } }
            }

            let committed = ledger.committed.withLock { $0 }
            let rolledBack = ledger.rolledBack.withLock { $0 }
            #expect(!rolledBack.isEmpty)
            for subscriberResult in subscriberResults {
                let received = subscriberResult.withLock { $0 }
                #expect(received.count == committed.count, "every committed event exactly once")
                let missing = committed.subtracting(received.map(\.id))
                if !missing.isEmpty {
                    let stored = try await readEverything(store)
                    let lost = stored.filter { missing.contains($0.id) }
                    Issue.record("not delivered: \(lost.map { "\($0.position) \($0.stream)@\($0.version) \($0.recordedAt.timeIntervalSince1970)" }); delivered around them: \(lost.map { lostEvent in received.filter { abs($0.position - lostEvent.position) <= 3 }.map(\.position) })")
                }
                #expect(Set(received.map(\.id)).isDisjoint(with: rolledBack))
                #expect(zip(received, received.dropFirst()).allSatisfy { $0.position < $1.position }, "strictly in position order")
            }
            #expect(try await eventCount(client) == committed.count)
        }
    }

    @Test("writers racing with exact expectations: one wins per version, the others learn the actual version")
    func optimisticConcurrency() async throws {
        try await withStore(maximumConnections: 20) { store, _ in
            let order = stream("order-race")
            let winners = LockedBox<[Int64: Int]>([:])
            let conflicts = LockedBox(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<16 {
                    group.addTask {
                        for _ in 0..<10 {
                            let version = try await store.version(of: order)
                            do {
                                try await store.append([makeEvent("Raced", #"{"writer":\#(writer)}"#)], to: order, expectedVersion: .exact(version))
                                winners.withLock { $0[version + 1, default: 0] += 1 }
                            } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                                let actual = error.actualVersion ?? 0
                                #expect(actual > version)
                                conflicts.withLock { $0 += 1 }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let final = try await store.version(of: order)
            let won = winners.withLock { $0 }
            #expect(won.values.allSatisfy { $0 == 1 }, "exactly one winner per version")
            #expect(Set(won.keys) == Set(1...final))
            #expect(won.count + conflicts.withLock { $0 } == 160)
            #expect(try await store.read(order, limit: 1000).map(\.version) == Array(1...final))
        }
    }
}

private func appendAndRollBack(_ store: PostgresEventStore, _ client: PostgresClient, name: String, events: [NewEvent], ledger: ConcurrencyTests.Ledger) async throws {
    try await client.withConnection { connection in
        try await connection.execute("BEGIN")
        do {
            _ = try await store.append([StreamAppend(stream: stream(name), expectedVersion: .any, events: events)], on: connection)
            try await Task.sleep(for: .milliseconds(Int.random(in: 1...20)))
            ledger.rolledBack.withLock { $0.formUnion(events.map(\.id)) }
        } catch {}
        try await connection.execute("ROLLBACK")
    }
}

private func appendSlowly(_ store: PostgresEventStore, _ client: PostgresClient, name: String, events: [NewEvent], ledger: ConcurrencyTests.Ledger) async throws {
    try await client.withConnection { connection in
        try await connection.execute("BEGIN")
        do {
            _ = try await store.append([StreamAppend(stream: stream(name), expectedVersion: .any, events: events)], on: connection)
        } catch {
            try await connection.execute("ROLLBACK")
            return
        }
        // Commit late, after others with higher positions have committed.
        try await Task.sleep(for: .milliseconds(Int.random(in: 50...250)))
        try await connection.execute("COMMIT")
        ledger.committed.withLock { $0.formUnion(events.map(\.id)) }
    }
}
