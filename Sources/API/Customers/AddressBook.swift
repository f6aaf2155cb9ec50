import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// A customer's saved addresses (`customer_addresses`), sealed with the customer's key like the
/// addresses in their carts and orders: erasing the customer makes them unreadable.
struct AddressBook: Sendable {
    let client: PostgresClient
    let vault: PersonalDataVault
    let logger: Logger

    /// The most a customer may save.
    static let capacity = 50

    struct Entry: Codable, Sendable {
        var label: String?
        var name: String
        var line1: String
        var line2: String?
        var city: String
        var postalCode: String
        var country: String
        var defaultShipping: Bool?
        var defaultBilling: Bool?

        var address: Address { Address(name: name, line1: line1, line2: line2, city: city, postalCode: postalCode, country: country) }

        /// The entry as saved under `id`.
        func saved(as id: String) -> SavedAddress {
            SavedAddress(addressId: id, label: label ?? "", address: address, defaultShipping: defaultShipping ?? false, defaultBilling: defaultBilling ?? false)
        }

        func validate() throws {
            try address.validate()
            if let label, label.count > 50 || label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw Problem(.unprocessableContent, "invalid_address", "label must have at most 50 characters and no control characters", fields: ["field": .string("label")])
            }
        }
    }

    func list(of userID: String) async throws -> [SavedAddress] {
        try await read(
            """
            SELECT address_id, label, sealed, default_shipping, default_billing FROM customer_addresses
            WHERE user_id = \(userID) ORDER BY created_at, address_id
            """
        )
    }

    func address(_ id: String, of userID: String) async throws -> SavedAddress? {
        guard Self.isAddressID(id) else { return nil }
        return try await read(
            "SELECT address_id, label, sealed, default_shipping, default_billing FROM customer_addresses WHERE address_id = \(id) AND user_id = \(userID)"
        ).first
    }

    /// - Throws: 409 `address_book_full` past ``capacity``.
    func add(_ entry: Entry, of userID: String) async throws -> SavedAddress {
        try entry.validate()
        let id = RandomIdentifier.hex(prefix: "adr_")
        let sealed = try await seal(entry.address, of: userID)
        try await client.withWatchedTransaction(logger: logger) { connection in
            // The account's row, locked: two additions at once count one after the other.
            try await connection.run("SELECT 1 FROM users WHERE user_id = \(userID) FOR UPDATE", logger: logger)
            let count = try await connection.query("SELECT count(*) FROM customer_addresses WHERE user_id = \(userID)", logger: logger)
                .decode(Int.self).collectAll().first ?? 0
            guard count < Self.capacity else {
                throw Problem(.conflict, "address_book_full", "an address book holds at most \(Self.capacity) addresses; delete one first")
            }
            try await clearDefaults(of: userID, shipping: entry.defaultShipping ?? false, billing: entry.defaultBilling ?? false, on: connection)
            try await connection.query(
                """
                INSERT INTO customer_addresses (address_id, user_id, label, sealed, default_shipping, default_billing)
                VALUES (\(id), \(userID), \(entry.label ?? ""), \(sealed), \(entry.defaultShipping ?? false), \(entry.defaultBilling ?? false))
                """,
                logger: logger
            )
        }
        return entry.saved(as: id)
    }

    /// Replaces a saved address; nil when the customer has none with this id.
    func replace(_ id: String, with entry: Entry, of userID: String) async throws -> SavedAddress? {
        try entry.validate()
        guard Self.isAddressID(id) else { return nil }
        let sealed = try await seal(entry.address, of: userID)
        let changed = try await client.withWatchedTransaction(logger: logger) { connection -> [Int] in
            // Someone else's id (or none) changes nothing, not even this customer's defaults.
            let owned = try await connection.query("SELECT 1 FROM customer_addresses WHERE address_id = \(id) AND user_id = \(userID) FOR UPDATE", logger: logger)
                .decode(Int.self).collectAll()
            guard !owned.isEmpty else { return [] }
            try await clearDefaults(of: userID, shipping: entry.defaultShipping ?? false, billing: entry.defaultBilling ?? false, on: connection)
            return try await connection.query(
                """
                UPDATE customer_addresses SET label = \(entry.label ?? ""), sealed = \(sealed), default_shipping = \(entry.defaultShipping ?? false),
                    default_billing = \(entry.defaultBilling ?? false), updated_at = now()
                WHERE address_id = \(id) AND user_id = \(userID) RETURNING 1
                """,
                logger: logger
            ).decode(Int.self).collectAll()
        }
        guard !changed.isEmpty else { return nil }
        return entry.saved(as: id)
    }

    /// - Returns: whether the customer had the address.
    func delete(_ id: String, of userID: String) async throws -> Bool {
        guard Self.isAddressID(id) else { return false }
        return try await !client.query("DELETE FROM customer_addresses WHERE address_id = \(id) AND user_id = \(userID) RETURNING 1", logger: logger)
            .decode(Int.self).collectAll().isEmpty
    }

    /// Whether `id` can name a saved address (`adr_` and 32 hex digits): anything else is
    /// nobody's, and never reaches a query (a NUL would not even be valid text there).
    static func isAddressID(_ id: String) -> Bool {
        id.utf8.count == 36 && id.hasPrefix("adr_") && id.utf8.dropFirst(4).allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A new default takes the place of the old one (only the customer's other addresses are
    /// touched: an unchanged default on the address being replaced stays).
    private func clearDefaults(of userID: String, shipping: Bool, billing: Bool, on connection: PostgresConnection) async throws {
        guard shipping || billing else { return }
        try await connection.query(
            """
            UPDATE customer_addresses SET default_shipping = default_shipping AND NOT \(shipping), default_billing = default_billing AND NOT \(billing)
            WHERE user_id = \(userID) AND ((default_shipping AND \(shipping)) OR (default_billing AND \(billing)))
            """,
            logger: logger
        )
    }

    private func seal(_ address: Address, of userID: String) async throws -> String {
        let json = String(decoding: try JSONEncoder().encode(address), as: UTF8.self)
        return try await vault.seal(json, object: [], fields: PersonalData.addressFields, subject: PersonalData.subject(customer: try CustomerID(userID)))
    }

    private func read(_ query: PostgresQuery) async throws -> [SavedAddress] {
        var addresses: [SavedAddress] = []
        for try await (id, label, sealed, shipping, billing) in try await client.query(query, logger: logger).decode((String, String, String, Bool, Bool).self) {
            let json = try await vault.reveal(sealed, object: [], fields: PersonalData.addressFields)
            let address = try JSONDecoder().decode(Address.self, from: Data(json.utf8))
            addresses.append(SavedAddress(addressId: id, label: label, address: address, defaultShipping: shipping, defaultBilling: billing))
        }
        return addresses
    }
}
