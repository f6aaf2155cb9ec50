import Aggregates
import Application
import Crypto
import EventStore
import Foundation
import Logging
import Mail
import Notifications
import PostgresNIO

/// Decides what one event sends, and writes it on the notifier's transaction: the mail to the
/// customer it concerns (into the outbox, keyed by event, kind and recipient) and a delivery
/// for each webhook endpoint that takes its type.
///
/// Mails: order placed, payment failed (the order is cancelled with it: one mail says both),
/// cancelled (for any other cause), shipped, refunded — transactional, always sent to the
/// account's address; and the cart reminder when a signed-in customer's cart with items is
/// abandoned, and the wishlist alerts (back in stock, price drop) — marketing, sent only on
/// opt-in, with an unsubscribe link. Guests leave no
/// address, so their orders send no mail. An event older than `maxEventAge` (a consumer group
/// started over an old history) is recorded as skipped rather than mailed days late.
public struct NotificationPlanner: Sendable {
    public struct Settings: Sendable {
        public var mails: OrderMails
        /// The public URL of this API, for the one-click unsubscribe link (`PUBLIC_URL`).
        public var publicURL: String
        /// Signs unsubscribe tokens.
        public var unsubscribeKey: SymmetricKey
        public var maxEventAge: TimeInterval = 24 * 3600

        public init(mails: OrderMails, publicURL: String, unsubscribeKey: SymmetricKey) {
            self.mails = mails
            self.publicURL = publicURL
            self.unsubscribeKey = unsubscribeKey
        }
    }

    let repository: AggregateRepository
    /// Opens the shipping address's sealed name and city for the order mail.
    let vault: PersonalDataVault
    let settings: Settings
    let logger: Logger
    let now: @Sendable () -> Date

    public init(repository: AggregateRepository, vault: PersonalDataVault, settings: Settings, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.repository = repository
        self.vault = vault
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// What the event sends, written on `connection`.
    /// - Parameter endpoints: the active webhook endpoints and the types each takes.
    /// - Throws: ``DomainError`` when the event's payload does not decode (a refusal the
    ///   notifier records); anything else is transient.
    func plan(_ event: RecordedEvent, endpoints: [(id: UUID, eventTypes: [String])], on connection: PostgresConnection) async throws {
        let receivers = endpoints.filter { $0.eventTypes.contains("*") || $0.eventTypes.contains(event.type) }.map(\.id)
        if !receivers.isEmpty {
            try await WebhookDeliveries.enqueue(
                eventID: event.id, eventType: event.type, stream: event.stream.rawValue, position: event.position,
                body: CloudEventMessage.structuredJSON(for: event), endpoints: receivers, on: connection, logger: logger
            )
        }
        guard let mail = try await mail(for: event) else { return }
        guard let recipient = try await NotificationPreferences.recipient(mail.userID, on: connection, logger: logger),
              recipient.preferences.allows(mail.kind)
        else { return }
        let locale = recipient.preferences.locale
        let key = MailOutbox.deliveryKey(eventID: event.id, kind: mail.kind, userID: mail.userID)
        var unsubscribeURL: String?
        if mail.kind.isMarketing {
            let token = UnsubscribeToken(userID: mail.userID, kind: mail.kind).signed(with: settings.unsubscribeKey)
            unsubscribeURL = "\(settings.publicURL)/notifications/unsubscribe?token=\(token)"
        }
        let message = settings.mails.message(mail.draft(locale, unsubscribeURL ?? ""), to: recipient.email, deliveryKey: key, locale: locale, unsubscribeURL: unsubscribeURL)
        let age = now().timeIntervalSince(event.recordedAt)
        let skipReason = age > settings.maxEventAge ? "the event is \(Int(age / 3600)) h old: too late to mail about" : nil
        try await MailOutbox.enqueue(message, kind: mail.kind, userID: mail.userID, deliveryKey: key, eventID: event.id, skipReason: skipReason, on: connection, logger: logger)
    }

    /// A mail an event leads to, before its recipient's language is known.
    struct PlannedMail {
        var kind: NotificationKind
        var userID: String
        /// The draft in a language, given the unsubscribe URL (marketing only).
        var draft: (MailLocale, String) -> OrderMails.Draft
    }

    /// The mail `event` leads to, if any (every type may lead to a webhook; these to a mail).
    private func mail(for event: RecordedEvent) async throws -> PlannedMail? {
        let mails = settings.mails
        switch event.type {
        case OrderPlaced.eventType:
            var placed = try EventReaction<OrderPlaced>.payload(of: event)
            guard case .customer(let customer) = placed.customer else { return nil }
            placed.shippingAddress.name = try await opened(placed.shippingAddress.name)
            placed.shippingAddress.city = try await opened(placed.shippingAddress.city)
            return PlannedMail(kind: .orderPlaced, userID: customer.rawValue) { locale, _ in mails.placed(placed, locale: locale) }
        case PaymentDeclined.eventType:
            let declined = try EventReaction<PaymentDeclined>.payload(of: event)
            guard let customer = try await customer(of: declined.orderId) else { return nil }
            return PlannedMail(kind: .paymentFailed, userID: customer) { locale, _ in mails.paymentFailed(declined, locale: locale) }
        case OrderCancelled.eventType:
            let cancelled = try EventReaction<OrderCancelled>.payload(of: event)
            // A declined payment cancels its order in the same transaction; its mail says both.
            guard cancelled.cause != .paymentDeclined, let customer = try await customer(of: cancelled.orderId) else { return nil }
            return PlannedMail(kind: .orderCancelled, userID: customer) { locale, _ in mails.cancelled(cancelled, locale: locale) }
        case OrderShipped.eventType:
            let shipped = try EventReaction<OrderShipped>.payload(of: event)
            guard let customer = try await customer(of: shipped.orderId) else { return nil }
            return PlannedMail(kind: .orderShipped, userID: customer) { locale, _ in mails.shipped(shipped, locale: locale) }
        case OrderRefunded.eventType:
            let refunded = try EventReaction<OrderRefunded>.payload(of: event)
            guard let customer = try await customer(of: refunded.orderId) else { return nil }
            return PlannedMail(kind: .orderRefunded, userID: customer) { locale, _ in mails.refunded(refunded, locale: locale) }
        case CartAbandoned.eventType:
            let abandoned = try EventReaction<CartAbandoned>.payload(of: event)
            let cart = try await repository.load(Cart.self, StreamName.of("cart", abandoned.cartId)).state
            guard case .customer(let customer) = cart.owner, !cart.lines.isEmpty else { return nil }
            let lines = cart.lines
            return PlannedMail(kind: .cartReminder, userID: customer.rawValue) { locale, unsubscribeURL in
                mails.cartReminder(lines: lines, locale: locale, unsubscribeURL: unsubscribeURL)
            }
        case WishlistBackInStock.eventType:
            let alert = try EventReaction<WishlistBackInStock>.payload(of: event)
            let name = try await productName(alert.productId)
            return PlannedMail(kind: .backInStock, userID: alert.customerId.rawValue) { locale, unsubscribeURL in
                mails.backInStock(alert, productName: name, locale: locale, unsubscribeURL: unsubscribeURL)
            }
        case WishlistPriceDropped.eventType:
            let alert = try EventReaction<WishlistPriceDropped>.payload(of: event)
            let name = try await productName(alert.productId)
            return PlannedMail(kind: .priceDrop, userID: alert.customerId.rawValue) { locale, unsubscribeURL in
                mails.priceDrop(alert, productName: name, locale: locale, unsubscribeURL: unsubscribeURL)
            }
        default:
            return nil
        }
    }

    private func productName(_ product: ProductID) async throws -> String {
        let state = try await repository.load(Product.self, StreamName.of("product", product)).state
        return state.name.isEmpty ? product.rawValue : state.name
    }

    private func opened(_ field: String) async throws -> String {
        field.hasPrefix(PersonalDataVault.sealedPrefix) ? try await vault.open(field) : field
    }

    /// The signed-in customer who placed an order; nil for a guest's.
    private func customer(of order: OrderID) async throws -> String? {
        let state = try await repository.load(Order.self, StreamName.of("order", order)).state
        guard case .customer(let customer) = state.customer else { return nil }
        return customer.rawValue
    }
}
