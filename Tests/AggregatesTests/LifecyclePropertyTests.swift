import Foundation
import PropertyBased
import Testing

@testable import Aggregates

/// Random lifecycle command sequences on one SKU — receipts, adjustments, orders reserving,
/// cancelled (released), fulfilled in parts (committed), returned (restocked) — checked against
/// a ledger kept independently of the aggregate: on hand = received − committed ± adjustments;
/// available = on hand − open reservations; never negative without backorder.
@Suite("Inventory lifecycle ledger")
struct LifecyclePropertyTests {
    static let steps = Gen.int(in: 0...1_000_000).array(of: 1...120)

    struct Ledger {
        var received = 0
        var committed = 0
        var adjusted = 0
        /// Open reservations by order, as the ledger understands them.
        var open: [String: Int] = [:]
        var onHand: Int { received - committed + adjusted }
        var available: Int { onHand - open.values.reduce(0, +) }
    }

    @Test("on hand and available follow the ledger through random reserve, release, partial commit and restock")
    func ledgerHolds() async {
        await propertyCheck(count: 300, input: Self.steps) { steps in
            let sku: SKU = id("SKU-L")
            var state = Inventory.initialState
            var ledger = Ledger()
            for step in steps {
                let quantity = (step / 8) % 7 + 1
                let orderName = "o-\((step / 100) % 5)"
                let order: OrderID = id(orderName)
                let command: Inventory.Command = switch step % 6 {
                case 0: .receive(sku: sku, quantity: quantity * 3)
                case 1: .reserve(sku: sku, orderId: order, quantity: quantity, expiresAt: now.addingTimeInterval(900))
                case 2: .release(orderId: order, reason: .cancelled)
                case 3: .commit(orderId: order, quantity: step % 2 == 0 ? nil : min(quantity, ledger.open[orderName] ?? quantity))
                case 4: .adjust(sku: sku, delta: quantity, reason: .returned, note: "return")
                default: .adjust(sku: sku, delta: -quantity, reason: .damaged, note: nil)
                }
                guard let (events, next) = try? Inventory.handle(command, state, context) else { continue }
                state = next
                for event in events {
                    switch event {
                    case .received(let e): ledger.received += e.quantity
                    case .adjusted(let e): ledger.adjusted += e.delta
                    case .reserved(let e): ledger.open[e.orderId.rawValue, default: 0] += e.quantity
                    case .released(let e): ledger.open[e.orderId.rawValue] = nil
                    case .committed(let e):
                        ledger.committed += e.quantity
                        ledger.open[e.orderId.rawValue, default: 0] -= e.quantity
                        if ledger.open[e.orderId.rawValue] == 0 { ledger.open[e.orderId.rawValue] = nil }
                    default: break
                    }
                }
                #expect(state.onHand == ledger.onHand)
                #expect(state.available == ledger.available)
                #expect(state.onHand >= 0)
                #expect(state.available >= 0, "backorder is off")
                #expect(ledger.open.values.allSatisfy { $0 > 0 })
            }
        }
    }
}
