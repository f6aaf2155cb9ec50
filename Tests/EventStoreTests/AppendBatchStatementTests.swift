import Foundation
import PostgresNIO
import Testing
import TestSupport

@testable import EventStore

/// `append_events` itself, given several requests in one call, as the batcher sends them. The
/// store's own path cannot show a batch going wrong: when a batch fails, it runs each request on
/// its own, which hides the failure as long as each request alone is right.
@Suite("One append_events call with several requests")
struct AppendBatchStatementTests {
    @Test("requests on the same streams follow each other in order; a stale one writes nothing and takes no version")
    func requestsFollowEachOther() async throws {
        try await withStore { store, client in
            let a = stream("cart-a"), b = stream("cart-b"), c = stream("cart-c")
            try await store.append([makeEvent(), makeEvent()], to: a, expectedVersion: .noStream)

            func request(_ parts: (StreamName, ExpectedVersion, Int)...) throws -> AppendRequest {
                try AppendRequest(parts.map { StreamAppend(stream: $0.0, expectedVersion: $0.1, events: (0..<$0.2).map { _ in makeEvent() }) }, limits: store.limits)
            }
            let requests = [
                try request((a, .any, 1)),                            // a 3
                try request((b, .noStream, 2)),                       // b 1…2
                try request((a, .exact(3), 1), (c, .any, 1)),         // a 4, c 1
                try request((a, .exact(3), 1), (b, .any, 1)),         // stale: a is at 4; nothing written
                try request((b, .exact(2), 1)),                       // b 3
                try request((a, .streamExists, 2)),                   // a 5…6
                try request((c, .noStream, 1)),                       // stale: c exists
            ]
            let outcomes = try await client.withConnection { connection in
                try await AppendRequest.run(requests, on: connection, logger: TestEnvironment.logger)
            }

            func versions(_ outcome: AppendOutcome) -> [String]? {
                guard case .appended(let results) = outcome else { return nil }
                return results.map { "\($0.stream) \($0.firstVersion)…\($0.lastVersion)" }
            }
            #expect(outcomes.map(versions) == [["cart-a 3…3"], ["cart-b 1…2"], ["cart-a 4…4", "cart-c 1…1"], nil, ["cart-b 3…3"], ["cart-a 5…6"], nil])
            guard case .expectationFailed(let actualStale) = outcomes[3], case .expectationFailed(let actualExisting) = outcomes[6] else {
                Issue.record("the stale requests did not fail")
                return
            }
            #expect(actualStale[a] == 4)
            #expect(actualExisting[c] == 1)

            // Positions in the order of the requests, with none drawn for the failed ones.
            let positions = outcomes.flatMap { outcome -> [ClosedRange<Int64>] in
                guard case .appended(let results) = outcome else { return [] }
                return results.map { $0.firstPosition...$0.lastPosition }
            }
            #expect(positions.flatMap { Array($0) } == Array(3...10))

            for (name, count) in [(a, 6), (b, 3), (c, 1)] {
                let stored = try await store.read(name)
                #expect(stored.map(\.version) == Array(1...Int64(count)))
                let chain = try await store.verify(name)
                #expect(chain.isIntact && chain.eventsChecked == count)
            }
            #expect(try await eventCount(client) == 10)
        }
    }
}
