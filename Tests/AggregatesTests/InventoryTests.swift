@testable import Aggregates
import Foundation
import Testing

@Suite("Inventory")
struct InventoryTests {
    let sku: SKU = id("TEE-M")
    let order: OrderID = id("o-1")
    let later = now.addingTimeInterval(900)

    func received(_ quantity: Int, onHand: Int) -> InventoryEvent {
        .received(StockReceived(sku: sku, quantity: quantity, levels: StockLevels(onHand: onHand, reserved: 0)))
    }

    @Test func receiveReserveCommit() throws {
        #expect(try given(Inventory.self, [], when: .receive(sku: sku, quantity: 10)) == [received(10, onHand: 10)])
        let reserve = try given(Inventory.self, [received(10, onHand: 10)], when: .reserve(sku: sku, orderId: order, quantity: 4, expiresAt: later))
        #expect(reserve == [.reserved(StockReserved(sku: sku, orderId: order, quantity: 4, expiresAt: later, backordered: false, levels: StockLevels(onHand: 10, reserved: 4)))])
        let history = [received(10, onHand: 10)] + reserve
        #expect(Inventory.fold(history).available == 6)
        let commit = try given(Inventory.self, history, when: .commit(orderId: order))
        #expect(commit == [.committed(StockReservationCommitted(sku: sku, orderId: order, quantity: 4, levels: StockLevels(onHand: 6, reserved: 0)))])
        #expect(Inventory.fold(history + commit).onHand == 6)
        // A partial fulfilment commits part of the reservation; the rest stays reserved.
        let part = try given(Inventory.self, history, when: .commit(orderId: order, quantity: 1))
        #expect(part == [.committed(StockReservationCommitted(sku: sku, orderId: order, quantity: 1, levels: StockLevels(onHand: 9, reserved: 3)))])
        #expect(Inventory.fold(history + part).reservations[order]?.quantity == 3)
        expectRefusal(Inventory.self, history, when: .commit(orderId: order, quantity: 5), code: .invalidQuantity)
        let release = try given(Inventory.self, history, when: .release(orderId: order, reason: .cancelled))
        #expect(Inventory.fold(history + release).available == 10)
    }

    @Test func adjustmentsAndLowStock() throws {
        let history: [InventoryEvent] = [received(10, onHand: 10), .thresholdSet(LowStockThresholdSet(sku: sku, threshold: 5))]
        let events = try given(Inventory.self, history, when: .adjust(sku: sku, delta: -6, reason: .damaged, note: nil))
        #expect(events == [
            .adjusted(StockAdjusted(sku: sku, delta: -6, reason: .damaged, note: nil, levels: StockLevels(onHand: 4, reserved: 0))),
            .thresholdCrossed(LowStockThresholdCrossed(sku: sku, threshold: 5, available: 4)),
        ])
        // Already below: no second crossing.
        let below = try given(Inventory.self, history + events, when: .adjust(sku: sku, delta: -1, reason: .lost, note: "shelf"))
        #expect(below.count == 1)
        #expect(try given(Inventory.self, history, when: .setLowStockThreshold(sku: sku, threshold: 5)).isEmpty)
    }

    @Test func expiredReservationsAreReleased() throws {
        let other: OrderID = id("o-2")
        let history: [InventoryEvent] = [
            received(10, onHand: 10),
            .reserved(StockReserved(sku: sku, orderId: order, quantity: 2, expiresAt: later, backordered: false, levels: StockLevels(onHand: 10, reserved: 2))),
            .reserved(StockReserved(sku: sku, orderId: other, quantity: 3, expiresAt: later.addingTimeInterval(3600), backordered: false, levels: StockLevels(onHand: 10, reserved: 5))),
        ]
        #expect(try given(Inventory.self, history, when: .releaseExpired, at: now).isEmpty)
        let released = try given(Inventory.self, history, when: .releaseExpired, at: later.addingTimeInterval(1))
        #expect(released == [.released(StockReservationReleased(sku: sku, orderId: order, quantity: 2, reason: .expired, levels: StockLevels(onHand: 10, reserved: 3)))])
    }

    @Test func backorder() throws {
        let history: [InventoryEvent] = [received(2, onHand: 2), .backorderChanged(BackorderPolicyChanged(sku: sku, allowed: true))]
        let events = try given(Inventory.self, history, when: .reserve(sku: sku, orderId: order, quantity: 5, expiresAt: later))
        guard case .reserved(let reserved) = events.first else { Issue.record("no reservation"); return }
        #expect(reserved.backordered)
        #expect(Inventory.fold(history + events).available == -3)
        expectRefusal(Inventory.self, history + events, when: .commit(orderId: order), code: .insufficientStock)
        expectRefusal(Inventory.self, history + events, when: .setBackorder(sku: sku, allowed: false), code: .invalidTransition)
    }

    @Test func refusals() {
        let stocked = [received(3, onHand: 3)]
        expectRefusal(Inventory.self, stocked, when: .reserve(sku: sku, orderId: order, quantity: 4, expiresAt: later), code: .insufficientStock)
        expectRefusal(Inventory.self, stocked, when: .reserve(sku: sku, orderId: order, quantity: 0, expiresAt: later), code: .invalidQuantity)
        expectRefusal(Inventory.self, stocked, when: .reserve(sku: sku, orderId: order, quantity: -1, expiresAt: later), code: .invalidQuantity)
        expectRefusal(Inventory.self, stocked, when: .reserve(sku: sku, orderId: order, quantity: 1, expiresAt: now), code: .invalidValue)
        expectRefusal(Inventory.self, stocked, when: .receive(sku: sku, quantity: 0), code: .invalidQuantity)
        expectRefusal(Inventory.self, stocked, when: .receive(sku: sku, quantity: -5), code: .invalidQuantity)
        expectRefusal(Inventory.self, stocked, when: .receive(sku: id("OTHER"), quantity: 1), code: .invalidValue)
        expectRefusal(Inventory.self, stocked, when: .adjust(sku: sku, delta: -4, reason: .lost, note: nil), code: .negativeStock)
        expectRefusal(Inventory.self, stocked, when: .adjust(sku: sku, delta: 0, reason: .recount, note: nil), code: .invalidQuantity)
        expectRefusal(Inventory.self, stocked, when: .release(orderId: order, reason: .cancelled), code: .unknownReservation)
        expectRefusal(Inventory.self, stocked, when: .commit(orderId: order), code: .unknownReservation)
        let reserved = stocked + [.reserved(StockReserved(sku: sku, orderId: order, quantity: 3, expiresAt: later, backordered: false, levels: StockLevels(onHand: 3, reserved: 3)))]
        expectRefusal(Inventory.self, reserved, when: .reserve(sku: sku, orderId: order, quantity: 1, expiresAt: later), code: .duplicateReservation)
        expectRefusal(Inventory.self, reserved, when: .adjust(sku: sku, delta: -1, reason: .lost, note: nil), code: .negativeStock)
    }
}
