import Aggregates
import EventStore
import Foundation
import PostgresNIO

/// Erases a customer (GDPR art. 17) by crypto-shredding: deletes the keys their personal data
/// is sealed with — their own, and those of the guest carts they merged into their carts at
/// sign-in — and closes their account (the e-mail address and the password hash go, with the
/// sessions). Events are not touched: every hash chain still verifies, and every copy of the
/// sealed fields (Kafka, read models, exports) reads as erased from then on. Running it again
/// changes nothing.
public struct EraseCustomerData: Sendable {
    public struct Report: Sendable {
        /// The data subjects erased.
        public let subjects: [String]
        /// Keys deleted now (0 when they were erased before, or never made).
        public let keysDeleted: Int
        public let accountClosed: Bool
    }

    let store: PostgresEventStore
    let protection: PersonalDataProtection

    public init(store: PostgresEventStore, protection: PersonalDataProtection) {
        self.store = store
        self.protection = protection
    }

    public func callAsFunction(_ customer: CustomerID) async throws -> Report {
        let client = store.client
        // Guest carts merged into one of the customer's carts held the same person's data.
        let guestCarts = try await client.query(
            """
            SELECT DISTINCT m.data->>'guestCartId' FROM events m
            WHERE m.event_type = 'CartMerged' AND m.stream_name IN (
                SELECT c.stream_name FROM events c
                WHERE c.event_type = 'CartCreated' AND c.data->'owner'->>'kind' = 'customer' AND c.data->'owner'->>'id' = \(customer.rawValue)
            )
            """,
            logger: store.logger
        ).decode(String?.self).collectAll().compactMap { $0 }
        let subjects = [PersonalData.subject(customer: customer)] + guestCarts.sorted().map { PersonalData.subject(owner: .guest(""), cartId: $0) }
        let deleted = try await protection.vault.erase(subjects: subjects)
        // The account's rows (the API's tables, migrations 0003, 0011, 0012, 0014): its sessions
        // (with the addresses they came from) and refresh tokens first, they refer to it; the
        // account row, whose deletion takes its profile, address book, e-mail tokens and mails
        // along (ON DELETE CASCADE); its failed sign-ins and e-mail request counts, kept by
        // e-mail; the answers stored for its idempotency keys (they may repeat its addresses).
        let closed = try await client.withWatchedTransaction(logger: store.logger) { connection in
            try await connection.query("DELETE FROM refresh_tokens WHERE user_id = \(customer.rawValue)", logger: store.logger)
            try await connection.query("DELETE FROM sessions WHERE user_id = \(customer.rawValue)", logger: store.logger)
            let emails = try await connection.query("DELETE FROM users WHERE user_id = \(customer.rawValue) RETURNING email", logger: store.logger)
                .decode(String.self).collectAll()
            try await connection.query("DELETE FROM account_lockouts WHERE email = ANY(\(emails))", logger: store.logger)
            let counted = emails.map(EmailDigest.mailRequestBucket)
            try await connection.query("DELETE FROM auth_attempts WHERE bucket = ANY(\(counted))", logger: store.logger)
            try await connection.query("DELETE FROM idempotency_keys WHERE principal = \(customer.rawValue)", logger: store.logger)
            // What the recommendations read model keeps of them alone: their products and their
            // browsing session. (Their search text is sealed with their key; views and orders stay
            // in the counts of products, under a pseudonymous id, like order lines.)
            try await connection.query("DELETE FROM rec_customer_products WHERE customer_id = \(customer.rawValue)", logger: store.logger)
            try await connection.query("DELETE FROM rec_customer_orders WHERE customer_id = \(customer.rawValue)", logger: store.logger)
            try await connection.query("DELETE FROM rec_view_sessions WHERE viewer = \(Activity.streamName(for: .customer(customer)))", logger: store.logger)
            return emails
        }
        return Report(subjects: subjects, keysDeleted: deleted, accountClosed: !closed.isEmpty)
    }
}
