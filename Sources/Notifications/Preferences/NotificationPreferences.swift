import EventStore
import Logging
import PostgresNIO

/// A customer's mail preferences (`notification_preferences`): the language of their mails and
/// the marketing kinds they opted in to. Transactional mail is not a preference: it always goes.
public struct NotificationPreferences: Sendable, Equatable, Codable {
    public var locale: MailLocale
    public var marketing: Set<NotificationKind>

    public init(locale: MailLocale = .en, marketing: Set<NotificationKind> = []) {
        self.locale = locale
        self.marketing = marketing.filter(\.isMarketing)
    }

    /// Whether a mail of `kind` may be sent.
    public func allows(_ kind: NotificationKind) -> Bool { !kind.isMarketing || marketing.contains(kind) }

    /// Who receives a customer's mails: the account's address and preferences; nil when there
    /// is no account (a guest, or one erased).
    public struct Recipient: Sendable {
        public var email: String
        public var preferences: NotificationPreferences
    }

    public static func recipient(_ userID: String, on connection: PostgresConnection, logger: Logger) async throws -> Recipient? {
        let rows = try await connection.query(
            """
            SELECT u.email, p.locale, p.marketing FROM users u LEFT JOIN notification_preferences p USING (user_id)
            WHERE u.user_id = \(userID)
            """,
            logger: logger
        ).decode((String, String?, [String]?).self).collectAll()
        guard let (email, locale, marketing) = rows.first else { return nil }
        return Recipient(email: email, preferences: NotificationPreferences(
            locale: locale.map(MailLocale.init(tag:)) ?? .en, marketing: Set((marketing ?? []).compactMap(NotificationKind.init(rawValue:)))
        ))
    }

    public static func read(_ userID: String, client: PostgresClient, logger: Logger) async throws -> NotificationPreferences {
        let rows = try await client.query("SELECT locale, marketing FROM notification_preferences WHERE user_id = \(userID)", logger: logger)
            .decode((String, [String]).self).collectAll()
        guard let (locale, marketing) = rows.first else { return NotificationPreferences() }
        return NotificationPreferences(locale: MailLocale(tag: locale), marketing: Set(marketing.compactMap(NotificationKind.init(rawValue:))))
    }

    /// The customer's language, for mails the API sends in a transaction of its own.
    public static func locale(of userID: String, on connection: PostgresConnection, logger: Logger) async throws -> MailLocale {
        let rows = try await connection.query("SELECT locale FROM notification_preferences WHERE user_id = \(userID)", logger: logger)
            .decode(String.self).collectAll()
        return rows.first.map(MailLocale.init(tag:)) ?? .en
    }

    public static func save(_ preferences: NotificationPreferences, for userID: String, client: PostgresClient, logger: Logger) async throws {
        let marketing = preferences.marketing.map(\.rawValue).sorted()
        try await client.query(
            """
            INSERT INTO notification_preferences (user_id, locale, marketing) VALUES (\(userID), \(preferences.locale.rawValue), \(marketing))
            ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, marketing = excluded.marketing, updated_at = now()
            """,
            logger: logger
        )
    }

    /// Takes one marketing kind off a customer's list (an unsubscribe link).
    /// - Returns: false when the account no longer exists.
    public static func unsubscribe(_ userID: String, from kind: NotificationKind, client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.query(
            """
            INSERT INTO notification_preferences (user_id) SELECT user_id FROM users WHERE user_id = \(userID)
            ON CONFLICT (user_id) DO UPDATE SET marketing = array_remove(notification_preferences.marketing, \(kind.rawValue)), updated_at = now()
            RETURNING 1
            """,
            logger: logger
        ).collect()
        return !rows.isEmpty
    }
}
