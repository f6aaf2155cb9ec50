@testable import Aggregates
import Foundation
import Testing

@Suite("Cart")
struct CartTests {
    let cart: CartID = id("c-1")
    let customer = CartOwner.customer(id("cust-1"))
    let pricing = PricingPolicy.standard

    func line(_ sku: String, _ quantity: Int, _ price: Int64, tax: String = "standard") -> CartLine {
        CartLine(sku: id(sku), productId: id("p-\(sku)"), name: sku, quantity: quantity, unitPrice: eur(price), taxCategory: tax)
    }

    var created: [CartEvent] { [.created(CartCreated(cartId: cart, owner: customer, currency: .EUR))] }

    func readyForCheckout() throws -> [CartEvent] {
        var history = created
        for command: Cart.Command in [
            .addItem(line("A", 2, 1000)), .addItem(line("B", 1, 550, tax: "reduced")),
            .setShippingAddress(.sample), .setShippingMethod(method: "standard", pricing: pricing),
        ] {
            history += try given(Cart.self, history, when: command)
        }
        return history
    }

    @Test func linesAndTotals() throws {
        let history = try readyForCheckout()
        let state = Cart.fold(history)
        #expect(state.lines.map(\.quantity) == [2, 1])
        let totals = try state.totals(pricing)
        // 2 × 10.00 + 5.50 = 25.50; DE tax 19 % of 20.00 = 3.80, 7 % of 5.50 = 0.385 → 0.39; shipping 4.95.
        #expect(totals == CartTotals(subtotal: eur(2550), shipping: eur(495), tax: eur(419), total: eur(3464)))

        let more = try given(Cart.self, history, when: .addItem(line("A", 3, 1200)))
        #expect(more == [.itemAdded(CartItemAdded(cartId: cart, line: line("A", 5, 1000), quantityAdded: 3))], "the first price snapshot stays")
        let changed = try given(Cart.self, history, when: .changeQuantity(sku: id("A"), quantity: 4))
        #expect(changed == [.quantityChanged(CartItemQuantityChanged(cartId: cart, sku: id("A"), quantity: 4, previousQuantity: 2))])
        let removed = try given(Cart.self, history, when: .removeItem(sku: id("B")))
        #expect(Cart.fold(history + removed).lines.map(\.sku) == [id("A")])
    }

    @Test func checkOutRecordsLinesAndTotals() throws {
        let history = try readyForCheckout()
        let events = try given(Cart.self, history, when: .checkOut(orderId: id("o-9"), pricing: pricing, promotions: .none(at: Date())))
        guard case .checkedOut(let checkout) = events.first else { Issue.record("no checkout"); return }
        #expect(checkout.totals.total == eur(3464))
        #expect(checkout.lines.count == 2)
        expectRefusal(Cart.self, history + events, when: .addItem(line("C", 1, 100)), code: .cartClosed)
        expectRefusal(Cart.self, history + events, when: .checkOut(orderId: id("o-10"), pricing: pricing, promotions: .none(at: Date())), code: .cartClosed)
    }

    @Test func guestCartMergesIntoCustomerCart() throws {
        let guest: CartID = id("g-1")
        let history = created + [.itemAdded(CartItemAdded(cartId: cart, line: line("A", 1, 1000), quantityAdded: 1))]
        let events = try given(Cart.self, history, when: .mergeGuestCart(guestCartId: guest, lines: [line("A", 2, 900), line("B", 1, 550)]))
        let merged = Cart.fold(history + events)
        #expect(merged.lines.map(\.quantity) == [3, 1])
        #expect(merged.lines[0].unitPrice == eur(1000))
        let guestHistory: [CartEvent] = [.created(CartCreated(cartId: guest, owner: .guest("session-1"), currency: .EUR))]
        #expect(try given(Cart.self, guestHistory, when: .markMerged(into: cart)) == [.mergedIntoCustomerCart(CartMergedIntoCustomerCart(cartId: guest, customerCartId: cart))])
        expectRefusal(Cart.self, guestHistory, when: .mergeGuestCart(guestCartId: cart, lines: []), code: .invalidTransition)
    }

    @Test func abandonedAfterInactivity() throws {
        let lastActivity = now.addingTimeInterval(-7200)
        #expect(try given(Cart.self, created, when: .abandon(lastActivityAt: lastActivity, inactivity: 3600)) == [.abandoned(CartAbandoned(cartId: cart, lastActivityAt: lastActivity))])
        expectRefusal(Cart.self, created, when: .abandon(lastActivityAt: now.addingTimeInterval(-60), inactivity: 3600), code: .invalidTransition)
    }

    @Test func refusals() throws {
        expectRefusal(Cart.self, created, when: .create(id: cart, owner: customer, currency: .EUR), code: .alreadyExists)
        expectRefusal(Cart.self, [], when: .addItem(line("A", 1, 100)), code: .notFound)
        expectRefusal(Cart.self, created, when: .addItem(line("A", 0, 100)), code: .invalidQuantity)
        expectRefusal(Cart.self, created, when: .addItem(line("A", -2, 100)), code: .invalidQuantity)
        expectRefusal(Cart.self, created, when: .addItem(line("A", 1000, 100)), code: .invalidQuantity)
        expectRefusal(Cart.self, created, when: .addItem(line("A", 1, 0)), code: .invalidAmount)
        expectRefusal(Cart.self, created, when: .addItem(CartLine(sku: id("A"), productId: id("p"), name: "A", quantity: 1, unitPrice: Money(100, .USD))), code: .currencyMismatch)
        expectRefusal(Cart.self, created, when: .changeQuantity(sku: id("A"), quantity: 2), code: .unknownLine)
        expectRefusal(Cart.self, created, when: .removeItem(sku: id("A")), code: .unknownLine)
        expectRefusal(Cart.self, created, when: .checkOut(orderId: id("o-1"), pricing: pricing, promotions: .none(at: Date())), code: .emptyCart)
        let withItem = created + [.itemAdded(CartItemAdded(cartId: cart, line: line("A", 1, 100), quantityAdded: 1))]
        expectRefusal(Cart.self, withItem, when: .checkOut(orderId: id("o-1"), pricing: pricing, promotions: .none(at: Date())), code: .shippingMissing)
        expectRefusal(Cart.self, withItem, when: .setShippingMethod(method: "standard", pricing: pricing), code: .shippingMissing)
        expectRefusal(Cart.self, withItem, when: .changeQuantity(sku: id("A"), quantity: 0), code: .invalidQuantity)
        let addressed = withItem + [.shippingAddressSet(CartShippingAddressSet(cartId: cart, address: .sample, owner: nil))]
        expectRefusal(Cart.self, addressed, when: .setShippingMethod(method: "teleport", pricing: pricing), code: .unsupportedShipping)
        var bad = Address.sample
        bad.country = "Germany"
        expectRefusal(Cart.self, withItem, when: .setShippingAddress(bad), code: .invalidValue)
        bad = Address.sample
        bad.postalCode = ""
        expectRefusal(Cart.self, withItem, when: .setShippingAddress(bad), code: .invalidValue)
    }
}
