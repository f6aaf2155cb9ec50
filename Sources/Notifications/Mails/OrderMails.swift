import Aggregates
import Crypto
import Foundation
import Mail

/// The mails about orders and carts, in English and German: what each says, from the event
/// that causes it and the order or cart it is about.
public struct OrderMails: Sendable {
    public let from: MailAddress
    /// Links open the storefront's pages (`/orders/<id>`, `/cart`).
    public let storefrontURL: String

    public init(from: MailAddress, storefrontURL: String) {
        self.from = from
        self.storefrontURL = storefrontURL
    }

    /// A mail's subject and content, before it is addressed.
    public struct Draft: Sendable {
        public var subject: String
        public var layout: MailLayout
    }

    public func placed(_ order: OrderPlaced, locale: MailLocale) -> Draft {
        let id = order.orderId.rawValue
        var rows = order.lines.map { line in
            ("\(line.quantity) × \(line.name)", locale.format(Money(line.unitPrice.amount * Int64(line.quantity), line.unitPrice.currency)))
        }
        let totals = order.totals
        // Each promotion on a line of its own, under the subtotal: the reader can add it up.
        let discounts = order.discounts.map { discount in
            (discount.code.map { "\(discount.name) (\($0))" } ?? discount.name, "−" + locale.format(discount.amount))
        }
        switch locale {
        case .en:
            rows += [("Subtotal", locale.format(totals.subtotal))] + discounts + [("Shipping", locale.format(totals.shipping)), ("Tax", locale.format(totals.tax)), ("Total", locale.format(totals.total))]
            return Draft(subject: "Your order \(id)", layout: MailLayout(
                paragraphs: ["Thank you for your order \(id). We have reserved your items and let you know when they ship."],
                rows: rows, link: ("Your order", orderURL(id)), closing: "Shipping to \(order.shippingAddress.name), \(order.shippingAddress.city) (\(order.shippingMethod))."))
        case .de:
            rows += [("Zwischensumme", locale.format(totals.subtotal))] + discounts + [("Versand", locale.format(totals.shipping)), ("Steuer", locale.format(totals.tax)), ("Gesamt", locale.format(totals.total))]
            return Draft(subject: "Ihre Bestellung \(id)", layout: MailLayout(
                paragraphs: ["Vielen Dank für Ihre Bestellung \(id). Ihre Artikel sind reserviert; wir melden uns, sobald sie versandt werden."],
                rows: rows, link: ("Ihre Bestellung", orderURL(id)), closing: "Lieferung an \(order.shippingAddress.name), \(order.shippingAddress.city) (\(order.shippingMethod))."))
        }
    }

    public func paymentFailed(_ declined: PaymentDeclined, locale: MailLocale) -> Draft {
        let id = declined.orderId.rawValue
        switch locale {
        case .en:
            return Draft(subject: "Payment for order \(id) failed", layout: MailLayout(
                paragraphs: ["The payment for your order \(id) was declined (\(declined.reason)). The order is cancelled and nothing was charged.",
                             "Your cart's items are available again: you can place the order once more with another payment method."],
                link: ("Your order", orderURL(id))))
        case .de:
            return Draft(subject: "Zahlung für Bestellung \(id) fehlgeschlagen", layout: MailLayout(
                paragraphs: ["Die Zahlung für Ihre Bestellung \(id) wurde abgelehnt (\(declined.reason)). Die Bestellung ist storniert, es wurde nichts belastet.",
                             "Die Artikel sind wieder verfügbar: Sie können die Bestellung mit einer anderen Zahlungsart erneut aufgeben."],
                link: ("Ihre Bestellung", orderURL(id))))
        }
    }

    public func cancelled(_ cancelled: OrderCancelled, locale: MailLocale) -> Draft {
        let id = cancelled.orderId.rawValue
        let refund = cancelled.refundDue.amount > 0 ? cancelled.refundDue : nil
        switch locale {
        case .en:
            return Draft(subject: "Order \(id) cancelled", layout: MailLayout(
                paragraphs: ["Your order \(id) is cancelled: \(cancelled.reason).",
                             refund.map { "\(locale.format($0)) will be refunded to your payment method." } ?? "Nothing was charged."],
                link: ("Your order", orderURL(id))))
        case .de:
            return Draft(subject: "Bestellung \(id) storniert", layout: MailLayout(
                paragraphs: ["Ihre Bestellung \(id) ist storniert: \(cancelled.reason).",
                             refund.map { "\(locale.format($0)) werden auf Ihre Zahlungsart erstattet." } ?? "Es wurde nichts belastet."],
                link: ("Ihre Bestellung", orderURL(id))))
        }
    }

    public func shipped(_ shipped: OrderShipped, locale: MailLocale) -> Draft {
        let id = shipped.orderId.rawValue
        switch locale {
        case .en:
            return Draft(subject: "Order \(id) shipped", layout: MailLayout(
                paragraphs: ["Your order \(id) is on its way with \(shipped.carrier)."],
                rows: [("Carrier", shipped.carrier), ("Tracking number", shipped.trackingNumber)], link: ("Your order", orderURL(id))))
        case .de:
            return Draft(subject: "Bestellung \(id) versandt", layout: MailLayout(
                paragraphs: ["Ihre Bestellung \(id) ist mit \(shipped.carrier) unterwegs."],
                rows: [("Versanddienst", shipped.carrier), ("Sendungsnummer", shipped.trackingNumber)], link: ("Ihre Bestellung", orderURL(id))))
        }
    }

    public func refunded(_ refunded: OrderRefunded, locale: MailLocale) -> Draft {
        let id = refunded.orderId.rawValue
        switch locale {
        case .en:
            return Draft(subject: "Refund for order \(id)", layout: MailLayout(
                paragraphs: ["We refunded \(locale.format(refunded.amount)) for your order \(id) (\(refunded.reason)). It reaches your payment method within a few days."],
                rows: [("Refunded now", locale.format(refunded.amount)), ("Refunded in all", locale.format(refunded.refundedTotal))], link: ("Your order", orderURL(id))))
        case .de:
            return Draft(subject: "Erstattung für Bestellung \(id)", layout: MailLayout(
                paragraphs: ["Wir haben \(locale.format(refunded.amount)) für Ihre Bestellung \(id) erstattet (\(refunded.reason)). Der Betrag erreicht Ihre Zahlungsart in wenigen Tagen."],
                rows: [("Jetzt erstattet", locale.format(refunded.amount)), ("Insgesamt erstattet", locale.format(refunded.refundedTotal))], link: ("Ihre Bestellung", orderURL(id))))
        }
    }

    /// A reminder of a cart left with items in it: marketing, so it carries an unsubscribe link.
    public func cartReminder(lines: [CartLine], locale: MailLocale, unsubscribeURL: String) -> Draft {
        let rows = lines.map { ("\($0.quantity) × \($0.name)", locale.format(Money($0.unitPrice.amount * Int64($0.quantity), $0.unitPrice.currency))) }
        switch locale {
        case .en:
            return Draft(subject: "You left something in your cart", layout: MailLayout(
                paragraphs: ["Your cart still holds these items. They are not reserved until you check out."],
                rows: rows, link: ("Back to your cart", storefrontURL + "/cart"),
                closing: "You get this mail because you asked for cart reminders. Unsubscribe: \(unsubscribeURL)"))
        case .de:
            return Draft(subject: "Sie haben etwas im Warenkorb vergessen", layout: MailLayout(
                paragraphs: ["Ihr Warenkorb enthält noch diese Artikel. Reserviert sind sie erst, wenn Sie bestellen."],
                rows: rows, link: ("Zum Warenkorb", storefrontURL + "/cart"),
                closing: "Sie erhalten diese E-Mail, weil Sie Warenkorb-Erinnerungen abonniert haben. Abbestellen: \(unsubscribeURL)"))
        }
    }

    /// The mail of `draft` to `recipient`; its Message-ID follows from the delivery key, so the
    /// same delivery always has the same one.
    public func message(_ draft: Draft, to recipient: String, deliveryKey: String, locale: MailLocale, unsubscribeURL: String? = nil) -> MailMessage {
        draft.layout.message(from: from, to: recipient, subject: draft.subject, messageID: Self.messageID(deliveryKey: deliveryKey, sender: from),
                             language: locale.rawValue, unsubscribeURL: unsubscribeURL)
    }

    static func messageID(deliveryKey: String, sender: MailAddress) -> String {
        let digest = SHA256.hash(data: Data(deliveryKey.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        let domain = sender.address.split(separator: "@").last.map(String.init) ?? "commerce.localhost"
        return "\(digest)@\(domain)"
    }

    private func orderURL(_ id: String) -> String { "\(storefrontURL)/orders/\(id)" }
}
