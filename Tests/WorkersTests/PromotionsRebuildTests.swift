import Aggregates
import Application
import EventStore
import Foundation
import PostgresNIO
import Projections
import Testing
import TestSupport
import Workers

/// A promotions rebuild copies its rows into empty tables, the cancellations of orders marked on
/// their redemptions in memory first; live batches insert redemptions and mark them afterwards.
@Suite struct PromotionsRebuildTests {
    @Test("a rebuild's redemptions, cancellations and codes equal those of live batches of one event each")
    func rebuildEqualsLiveBatches() async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            let store = PostgresEventStore(client: client, logger: logger)
            var history = SyntheticHistory(seed: 3, start: Date())
            for append in try history.couponCampaign(codes: 40) { try await store.append([try append.streamAppend()]) }
            func encode(_ event: OrderEvent) -> NewEvent {
                let encoded = EventCodec.encode(event)
                return NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json)
            }
            var second = AppliedDiscount.sample
            second.promotionId = try PromotionID("promo-automatic")
            second.code = nil
            for index in 0..<12 {
                var placed = OrderPlaced.sample
                placed.orderId = try OrderID("order-promo-\(index)")
                if index % 3 == 0 { placed.discounts.append(second) }
                // The same promotion twice in one order: one row, the first.
                if index % 4 == 1 { placed.discounts.append(placed.discounts[0]) }
                var events = [OrderEvent.placed(placed)]
                // Cancelled in the same append, or in one of its own later on.
                var cancelled = OrderCancelled.sample
                cancelled.orderId = placed.orderId
                if index % 3 == 1 { events.append(.cancelled(cancelled)) }
                try await store.append(events.map(encode), to: try StreamName("order-\(placed.orderId)"), expectedVersion: .noStream)
            }
            for index in [2, 5] {
                var cancelled = OrderCancelled.sample
                cancelled.orderId = try OrderID("order-promo-\(index)")
                try await store.append([encode(.cancelled(cancelled))], to: try StreamName("order-order-promo-\(index)"), expectedVersion: .any)
            }

            _ = try await ProjectionRebuilder(store: store, logger: logger).rebuild(PromotionsProjection())
            let rebuilt = try await readModel(client)
            #expect(try await count("SELECT count(*) FROM promotion_redemptions", client) == 16)
            #expect(try await count("SELECT count(*) FROM promotion_redemptions WHERE cancelled_at IS NOT NULL", client) == 6)
            #expect(try await count("SELECT count(*) FROM promotion_codes", client) == 40)

            let events = try await readEverything(store)
            try await withTestDatabase { reference, _ in
                for event in events {
                    _ = try await reference.withTransaction(logger: logger) { connection in
                        try await ProjectionApplier.apply([event], to: [PromotionsProjection()], on: connection, logger: logger)
                    }
                }
                expectSame(try await readModel(reference), rebuilt)
            }
        }
    }
}
