import Foundation
import PropertyBased
import Testing

@testable import Aggregates

/// Random command sequences: each integer decodes into one command, refused commands change
/// nothing, and the invariants hold after every step.
@Suite("Invariants under random command sequences")
struct PropertyTests {
    static let steps = Gen.int(in: 0...1_000_000).array(of: 1...80)

    @Test("inventory: on hand never negative; available never negative without backorder; events carry the true levels")
    func inventoryNeverOversells() async {
        await propertyCheck(count: 300, input: Self.steps) { steps in
            let sku: SKU = id("SKU-P")
            var state = Inventory.initialState
            var clock = now
            for step in steps {
                let quantity = (step / 16) % 25 - 4  // includes zero and negatives
                let order: OrderID = id("o-\((step / 400) % 6)")
                clock = clock.addingTimeInterval(Double(step % 300))
                let command: Inventory.Command = switch step % 8 {
                case 0: .receive(sku: sku, quantity: quantity)
                case 1: .adjust(sku: sku, delta: quantity, reason: .recount, note: nil)
                case 2, 3: .reserve(sku: sku, orderId: order, quantity: quantity, expiresAt: clock.addingTimeInterval(600))
                case 4: .release(orderId: order, reason: .cancelled)
                case 5: .commit(orderId: order)
                case 6: .releaseExpired
                default: .setBackorder(sku: sku, allowed: step % 3 == 0)
                }
                guard let (events, next) = try? Inventory.handle(command, state, DecisionContext(now: clock)) else { continue }
                state = next
                #expect(state.onHand >= 0)
                #expect(state.available >= 0 || state.backorderAllowed)
                for event in events {
                    if case .reserved(let reserved) = event { #expect(reserved.levels.reserved <= state.reserved + reserved.quantity) }
                }
                if let levels = events.last.flatMap(Self.levels) {
                    #expect(levels == state.levels, "events record the levels the state has")
                }
            }
        }
    }

    static func levels(_ event: InventoryEvent) -> StockLevels? {
        switch event {
        case .received(let event): event.levels
        case .adjusted(let event): event.levels
        case .reserved(let event): event.levels
        case .released(let event): event.levels
        case .committed(let event): event.levels
        default: nil
        }
    }

    @Test("cart: total = subtotal + shipping + tax; subtotal = sum of lines; tax = sum of per-line rounded tax")
    func cartTotalsAddUp() async {
        await propertyCheck(count: 300, input: Self.steps) { steps in
            let pricing = PricingPolicy.standard
            var state = Cart.fold([.created(CartCreated(cartId: id("c-p"), owner: .customer(id("cust")), currency: .EUR))])
            let countries = ["DE", "FR", "GB", "US", "SE"]
            for step in steps {
                let sku: SKU = id("S\((step / 7) % 9)")
                let quantity = (step / 70) % 12 - 1
                let command: Cart.Command = switch step % 6 {
                case 0, 1: .addItem(CartLine(sku: sku, productId: id("p"), name: "item", quantity: quantity, unitPrice: eur(Int64(step % 9973 + 1)), taxCategory: ["standard", "reduced", "exempt"][step % 3]))
                case 2: .changeQuantity(sku: sku, quantity: quantity)
                case 3: .removeItem(sku: sku)
                case 4: .setShippingAddress(Address(name: "A", line1: "B", city: "C", postalCode: "1", country: countries[step % countries.count]))
                default: .setShippingMethod(method: step % 2 == 0 ? "standard" : "express", pricing: pricing)
                }
                guard let (_, next) = try? Cart.handle(command, state, context) else { continue }
                state = next
                let totals = try #require(try? state.totals(pricing))
                #expect(totals.total.amount == totals.subtotal.amount + totals.shipping.amount + totals.tax.amount)
                #expect(totals.subtotal.amount == state.lines.reduce(0) { $0 + $1.unitPrice.amount * Int64($1.quantity) })
                let country = state.shippingAddress?.country
                let expectedTax = state.lines.reduce(Int64(0)) { sum, line in
                    guard let country else { return sum }
                    return sum + (try! line.lineTotal.percentage(basisPoints: pricing.taxRate(category: line.taxCategory, country: country))).amount
                }
                #expect(totals.tax.amount == expectedTax)
                #expect(state.lines.allSatisfy { (1...999).contains($0.quantity) })
            }
        }
    }

    @Test("payment: captured never exceeds authorized, refunded never exceeds captured")
    func refundsNeverExceedCaptures() async {
        await propertyCheck(count: 300, input: Self.steps) { steps in
            var state = Payment.fold([.initiated(PaymentInitiated(paymentId: id("pay"), orderId: id("o"), amount: eur(10_000), method: "card"))])
            for (index, step) in steps.enumerated() {
                let amount = eur(Int64(step % 4000) - 200)
                let reference = "ref-\(step % 50)-\(index % 3)"
                let command: Payment.Command = switch step % 5 {
                case 0: .authorize(amount: eur(Int64(step % 12_000)), gatewayReference: reference)
                case 1, 2: .capture(amount: amount, gatewayReference: reference)
                case 3: .refund(amount: amount, gatewayReference: reference)
                default: step % 2 == 0
                    ? .request(PaymentOperation(operationId: "op-\(step % 7)", kind: [.capture, .void, .refund][step % 3], amount: amount, reason: "random"))
                    : .complete(operationId: "op-\(step % 7)", gatewayReference: reference)
                }
                guard let (_, next) = try? Payment.handle(command, state, context) else { continue }
                state = next
                if let captured = state.captured {
                    #expect(captured.amount <= state.authorized!.amount)
                }
                if let refunded = state.refunded {
                    #expect(refunded.amount <= state.captured!.amount)
                }
                // What pending operations promise fits in what is left.
                #expect((state.captured?.amount ?? 0) + state.pendingAmount(.capture) <= (state.authorized?.amount ?? 0) || state.pendingAmount(.capture) == 0)
                #expect((state.refunded?.amount ?? 0) + state.pendingAmount(.refund) <= (state.captured?.amount ?? 0) || state.pendingAmount(.refund) == 0)
            }
        }
    }
}
