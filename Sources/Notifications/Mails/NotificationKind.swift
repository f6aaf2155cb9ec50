/// What a mail is about: the delivery log's `kind`, and what preferences are kept for.
public enum NotificationKind: String, Sendable, CaseIterable, Codable {
    // Account mails, sent by the API in the request's transaction.
    case verifyEmail = "verify_email"
    case resetPassword = "reset_password"
    case alreadyRegistered = "already_registered"
    case welcome
    // Order mails, sent by the notifier from events.
    case orderPlaced = "order_placed"
    case paymentFailed = "payment_failed"
    case orderCancelled = "order_cancelled"
    case orderShipped = "order_shipped"
    case orderRefunded = "order_refunded"
    // Marketing: sent only to customers who opted in.
    case cartReminder = "cart_reminder"
    /// A wished variant is back in stock / cheaper (wishlist alerts).
    case backInStock = "back_in_stock"
    case priceDrop = "price_drop"

    /// Marketing mail needs the customer's opt-in and carries an unsubscribe link; everything
    /// else is transactional and always sent.
    public var isMarketing: Bool { self == .cartReminder || self == .backInStock || self == .priceDrop }

    public static let marketing: [NotificationKind] = allCases.filter(\.isMarketing)
}
