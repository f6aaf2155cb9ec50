@testable import Aggregates
@testable import Application
import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

/// `AggregateRepository.execute` decides first on the state its process cached, without reading
/// the stream. Two repositories on one store stand for two server processes: each append by one
/// leaves the other's cache behind, and no answer may rest on the state that is behind.
@Suite struct CachedDecisionTests {
    let cartID = try! CartID("cart_cached")
    var stream: StreamName { .of("cart", cartID) }

    func line(_ sku: String, _ quantity: Int = 1) throws -> CartLine {
        CartLine(sku: try SKU(sku), productId: try ProductID("p1"), name: sku, quantity: quantity, unitPrice: Money(500, .EUR))
    }

    /// A third repository whose cache holds nothing of the cart: the stream as stored, folded.
    func stored(_ store: PostgresEventStore) async throws -> (state: Cart.State, version: Int64) {
        try await AggregateRepository(store: store).load(Cart.self, stream)
    }

    func execute(_ repository: AggregateRepository, _ command: Cart.Command) async throws -> CommandResult {
        try await repository.execute(Cart.self, stream, ifMatch: nil, metadata: EventMetadata()) { _ in command }
    }

    /// Two repositories (two servers' caches) on a fresh store, the cart created through `first`.
    func withTwoRepositories(_ body: (PostgresEventStore, AggregateRepository, AggregateRepository) async throws -> Void) async throws {
        try await withTestDatabase { postgres, _ in
            let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
            let first = AggregateRepository(store: store), second = AggregateRepository(store: store)
            _ = try await execute(first, .create(id: cartID, owner: .guest("g1"), currency: .EUR))
            try await body(store, first, second)
        }
    }

    @Test func aCommandOnAStaleCacheIsDecidedAgainOnTheStream() async throws {
        try await withTwoRepositories { store, first, second in
            _ = try await execute(first, .addItem(try line("A")))
            // The state `first` keeps after its append is the stream's, folded from what was stored.
            let kept = try #require(first.cache.get(stream.rawValue, as: Cart.State.self))
            let afterTwo = try await stored(store)
            #expect(kept.0 == afterTwo.state && kept.1 == afterTwo.version && afterTwo.version == 2)

            _ = try await execute(second, .addItem(try line("B")))
            // `first` still holds version 2: its append expecting 2 fails, and it decides again.
            let result = try await execute(first, .addItem(try line("C", 2)))
            let after = try await stored(store)
            #expect(result.version == 4 && after.version == 4)
            #expect(after.state.lines.map(\.sku.rawValue) == ["A", "B", "C"])
            #expect(first.cache.get(stream.rawValue, as: Cart.State.self)?.0 == after.state)
        }
    }

    @Test func aRefusalIsGivenOnlyOnTheStreamAsRead() async throws {
        try await withTwoRepositories { store, first, second in
            _ = try await execute(first, .addItem(try line("A")))
            // Refused on `first`'s cached state (no line B there), allowed on the stream.
            _ = try await execute(second, .addItem(try line("B")))
            let changed = try await execute(first, .changeQuantity(sku: try SKU("B"), quantity: 5))
            #expect(changed.version == 4)
            #expect(try await stored(store).state.line(try SKU("B"))?.quantity == 5)

            // Nothing to do on `second`'s cached state (A at 1 there), a change on the stream (A at 3).
            _ = try await execute(first, .changeQuantity(sku: try SKU("A"), quantity: 3))
            let back = try await execute(second, .changeQuantity(sku: try SKU("A"), quantity: 1))
            #expect(back.version == 6 && back.position != nil)
            #expect(try await stored(store).state.line(try SKU("A"))?.quantity == 1)

            // Allowed on `second`'s cached state (open), refused on the stream (closed by `first`).
            _ = try await execute(first, .markMerged(into: try CartID("cart_customer")))
            await #expect {
                _ = try await execute(second, .addItem(try line("D")))
            } throws: { ($0 as? DomainError)?.code == .cartClosed }
            let after = try await stored(store)
            #expect(after.version == 7 && after.state.status == .merged)
        }
    }

    @Test func aPinnedVersionIsComparedWithTheStreamAsRead() async throws {
        try await withTwoRepositories { store, first, second in
            _ = try await execute(second, .addItem(try line("A")))
            // `first` caches version 1; the client saw version 2, which is current.
            let result = try await first.execute(Cart.self, stream, ifMatch: 2, metadata: EventMetadata()) { _ in .addItem(try line("B")) }
            #expect(result.version == 3)
            await #expect(throws: VersionConflict.self) {
                _ = try await second.execute(Cart.self, stream, ifMatch: 2, metadata: EventMetadata()) { _ in .addItem(try line("C")) }
            }
        }
    }
}
