import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

/// Concurrent appends share database transactions (AppendBatcher); each must still succeed or
/// fail on its own.
@Suite("Batched appends keep their own outcomes")
struct BatchingTests {
    @Test("64 concurrent appends: one winner on a contested stream, every other append lands, conflicts name the actual version")
    func contestedAndFreeStreams() async throws {
        try await withStore(limits: .init(concurrentAppendBatches: 1)) { store, client in
            let outcomes = LockedBox<[Int: Result<AppendResult, EventStoreError>]>([:])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        // Even indexes race for a new stream; odd ones each have their own.
                        let name = index % 2 == 0 ? "order-contested" : "order-free\(index)"
                        do {
                            let result = try await store.append([makeEvent("Placed", #"{"by":\#(index)}"#)], to: stream(name), expectedVersion: .noStream)
                            outcomes.withLock { $0[index] = .success(result) }
                        } catch let error as EventStoreError {
                            outcomes.withLock { $0[index] = .failure(error) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let all = outcomes.value
            let contested = all.filter { $0.key % 2 == 0 }
            let free = all.filter { $0.key % 2 == 1 }
            #expect(contested.values.filter { if case .success = $0 { true } else { false } }.count == 1)
            for case .failure(let error) in contested.values {
                #expect(error.code == .wrongExpectedVersion)
                #expect(error.actualVersion == 1)
            }
            #expect(free.values.allSatisfy { if case .success = $0 { true } else { false } })
            #expect(try await eventCount(client) == 33)
        }
    }

    @Test("one append's malformed JSON fails only that append")
    func badPayloadStaysWithItsAppend() async throws {
        try await withStore(limits: .init(concurrentAppendBatches: 1)) { store, client in
            let failures = LockedBox<[Int: EventStoreError.Code]>([:])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        let json = index == 7 ? #"{"broken":"# : #"{"ok":true}"#
                        do {
                            try await store.append([makeEvent("Maybe", json)], to: stream("cart-\(index)"), expectedVersion: .any)
                        } catch let error as EventStoreError {
                            failures.withLock { $0[index] = error.code }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(failures.value == [7: .invalidPayload])
            #expect(try await eventCount(client) == 29)
        }
    }

    @Test("racing identical retries: each gets the same stored placement, written once")
    func concurrentRetriesAreReplays() async throws {
        try await withStore { store, client in
            let events = [makeEvent("A", #"{"a":1}"#), makeEvent("B", #"{"b":2}"#)]
            let results = LockedBox<[AppendResult]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let result = try await store.append(events, to: stream("payment-retried"), expectedVersion: .any)
                        results.withLock { $0.append(result) }
                    }
                }
                try await group.waitForAll()
            }
            let all = results.value
            #expect(all.count == 8)
            #expect(Set(all.map(\.firstPosition)).count == 1)
            #expect(all.filter { !$0.alreadyStored }.count == 1)
            #expect(try await eventCount(client) == 2)
        }
    }
}
