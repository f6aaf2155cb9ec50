@testable import Aggregates
import Crypto
import Foundation
import Mail
import Testing
@testable import Notifications

/// What the mails say, in both languages, and the unsubscribe token and headers of marketing mail.
@Suite("Mails: order templates per language, unsubscribe links")
struct MailContentTests {
    let mails = OrderMails(from: MailAddress("shop@shop.example", name: "Shop"), storefrontURL: "https://shop.example")

    var placed: OrderPlaced {
        var order = OrderPlaced.sample
        order.lines = [
            OrderLine(CartLine(sku: try! SKU("MUG-1"), productId: try! ProductID("mug"), name: "Mug", quantity: 3, unitPrice: Money(1250, .EUR))),
            OrderLine(CartLine(sku: try! SKU("TEE-1"), productId: try! ProductID("tee"), name: "T-shirt <organic>", quantity: 1, unitPrice: Money(1999, .EUR))),
        ]
        // The sample's discount: "Summer sale" with code SUMMER-10, 5.00. 57.49 − 5.00 + 4.95 + 10.92 = 68.36.
        order.totals = CartTotals(subtotal: Money(5749, .EUR), discount: Money(500, .EUR), shipping: Money(495, .EUR), tax: Money(1092, .EUR), total: Money(6836, .EUR))
        return order
    }

    @Test("the order mail lists each line at quantity × price and the totals, in English and in German")
    func orderPlaced() {
        let english = mails.placed(placed, locale: .en)
        #expect(english.subject == "Your order \(placed.orderId.rawValue)")
        let text = english.layout.text
        // 3 × 12.50 = 37.50; the lines add up to the subtotal 57.49.
        #expect(text.contains("3 × Mug") && text.contains("37.50 EUR"))
        #expect(text.contains("1 × T-shirt <organic>") && text.contains("19.99 EUR"))
        #expect(text.contains("57.49 EUR") && text.contains("68.36 EUR"))
        #expect(text.contains("Summer sale (SUMMER-10)") && text.contains("−5.00 EUR"), "each discount under the subtotal")
        #expect(english.layout.html.contains("T-shirt &lt;organic&gt;"), "HTML is escaped")
        #expect(!english.layout.html.contains("<organic>"))
        let german = mails.placed(placed, locale: .de)
        #expect(german.subject == "Ihre Bestellung \(placed.orderId.rawValue)")
        #expect(german.layout.text.contains("37,50 EUR") && german.layout.text.contains("Gesamt"))
    }

    @Test("shipped, refunded, cancelled and payment-failed mails carry what the customer needs")
    func lifecycleMails() {
        let shipped = mails.shipped(OrderShipped(orderId: placed.orderId, carrier: "DHL", trackingNumber: "JJD0001"), locale: .en)
        #expect(shipped.layout.text.contains("DHL") && shipped.layout.text.contains("JJD0001"))
        let refund = mails.refunded(OrderRefunded(orderId: placed.orderId, amount: Money(1000, .EUR), reason: "scratched", refundedTotal: Money(1500, .EUR)), locale: .de)
        #expect(refund.subject.hasPrefix("Erstattung") && refund.layout.text.contains("10,00 EUR") && refund.layout.text.contains("15,00 EUR"))
        let cancelled = mails.cancelled(OrderCancelled(orderId: placed.orderId, reason: "changed my mind", cause: .customer, refundDue: Money(0, .EUR)), locale: .en)
        #expect(cancelled.layout.text.contains("Nothing was charged"))
        let refunding = mails.cancelled(OrderCancelled(orderId: placed.orderId, reason: "out of stock", cause: .admin, refundDue: Money(2500, .EUR)), locale: .en)
        #expect(refunding.layout.text.contains("25.00 EUR will be refunded"))
        let failed = mails.paymentFailed(PaymentDeclined.sample, locale: .en)
        #expect(failed.layout.text.contains(PaymentDeclined.sample.reason))
    }

    @Test("the same delivery key gives the same Message-ID; another gives another")
    func messageIDs() {
        let sender = MailAddress("shop@shop.example")
        let first = OrderMails.messageID(deliveryKey: "event-1/email/order_placed/u1", sender: sender)
        #expect(first == OrderMails.messageID(deliveryKey: "event-1/email/order_placed/u1", sender: sender))
        #expect(first != OrderMails.messageID(deliveryKey: "event-2/email/order_placed/u1", sender: sender))
        #expect(first.hasSuffix("@shop.example"))
    }

    @Test("an unsubscribe token opens only with its key and unaltered; marketing mail carries RFC 8058 headers")
    func unsubscribe() throws {
        let key = SymmetricKey(data: Array("a-notification-test-secret-32-by".utf8))
        let token = UnsubscribeToken(userID: "user-1", kind: .cartReminder).signed(with: key)
        #expect(UnsubscribeToken(verifying: token, with: key) == UnsubscribeToken(userID: "user-1", kind: .cartReminder))
        #expect(UnsubscribeToken(verifying: token, with: SymmetricKey(data: Array("another-secret-of-thirty-two-byt".utf8))) == nil)
        var altered = Array(token)
        altered[2] = altered[2] == "A" ? "B" : "A"
        #expect(UnsubscribeToken(verifying: String(altered), with: key) == nil)
        #expect(UnsubscribeToken(verifying: "", with: key) == nil)
        #expect(UnsubscribeToken(verifying: "a.b.c", with: key) == nil)

        let draft = mails.cartReminder(lines: placed.lines.map { CartLine(sku: $0.sku, productId: $0.productId, name: $0.name, quantity: $0.quantity, unitPrice: $0.unitPrice) }, locale: .en, unsubscribeURL: "https://api.example/notifications/unsubscribe?token=\(token)")
        let rendered = mails.message(draft, to: "ada@example.com", deliveryKey: "k", locale: .en, unsubscribeURL: "https://api.example/notifications/unsubscribe?token=\(token)").rendered()
        #expect(rendered.contains("List-Unsubscribe: <https://api.example/notifications/unsubscribe?token=\(token)>\r\n"))
        #expect(rendered.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(rendered.contains("Content-Language: en\r\n"))
        let transactional = mails.message(mails.placed(placed, locale: .en), to: "ada@example.com", deliveryKey: "k2", locale: .en).rendered()
        #expect(!transactional.contains("List-Unsubscribe"))
    }

    @Test("preferences: marketing needs an opt-in, transactional mail always goes; locales fall back to English")
    func preferences() {
        let none = NotificationPreferences()
        #expect(none.allows(.orderPlaced) && none.allows(.orderShipped) && !none.allows(.cartReminder))
        #expect(NotificationPreferences(marketing: [.cartReminder]).allows(.cartReminder))
        #expect(NotificationPreferences(marketing: [.orderPlaced]).marketing.isEmpty, "only marketing kinds are kept")
        #expect(MailLocale(tag: "de-AT") == .de && MailLocale(tag: "de_CH") == .de && MailLocale(tag: "fr") == .en && MailLocale(tag: "") == .en)
    }
}
