import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// The signed-in customer's own account (`GET /customers/me`) and profile
/// (`customer_profiles`, name and phone sealed with the customer's key).
struct CustomerProfiles: Sendable {
    let client: PostgresClient
    let vault: PersonalDataVault
    let logger: Logger

    /// The account as its holder sees it.
    struct Me: Codable, Sendable {
        let userId: String
        let email: String
        let emailVerified: Bool
        let role: Principal.Role
        let createdAt: Date
        let profile: CustomerProfile
    }

    func me(_ userID: String) async throws -> Me? {
        let rows = try await client.query(
            """
            SELECT u.email, u.email_verified_at IS NOT NULL, u.role, u.created_at, p.sealed
            FROM users u LEFT JOIN customer_profiles p USING (user_id) WHERE u.user_id = \(userID)
            """,
            logger: logger
        ).decode((String, Bool, String, Date, String?).self).collectAll()
        guard let (email, verified, role, createdAt, sealed) = rows.first, let role = Principal.Role(rawValue: role) else { return nil }
        var profile = CustomerProfile()
        if let sealed {
            let json = try await vault.reveal(sealed, object: [], fields: CustomerProfile.personalFields)
            profile = try JSONDecoder().decode(CustomerProfile.self, from: Data(json.utf8))
        }
        return Me(userId: userID, email: email, emailVerified: verified, role: role, createdAt: createdAt, profile: profile)
    }

    /// Replaces the profile: a field left out (or null) is cleared.
    func replace(_ profile: CustomerProfile, of userID: String) async throws {
        try profile.validate()
        let json = String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
        let sealed = try await vault.seal(json, object: [], fields: CustomerProfile.personalFields, subject: PersonalData.subject(customer: try CustomerID(userID)))
        try await client.query(
            """
            INSERT INTO customer_profiles (user_id, sealed) VALUES (\(userID), \(sealed))
            ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, updated_at = now()
            """,
            logger: logger
        )
    }
}

/// Gives an account created outside the API a profile and a default shipping and billing
/// address (`commerce seed`'s demo customer), sealed as the API seals them.
public func saveDemoProfile(postgres: PostgresClient, userID: String, name: String, address: Address, logger: Logger) async throws {
    let vault = PersonalDataVault(client: postgres, logger: logger)
    try await CustomerProfiles(client: postgres, vault: vault, logger: logger)
        .replace(CustomerProfile(name: name, phone: "+44 20 7946 0000", locale: "en-GB", currency: "EUR"), of: userID)
    _ = try await AddressBook(client: postgres, vault: vault, logger: logger).add(
        AddressBook.Entry(label: "Home", name: address.name, line1: address.line1, line2: address.line2, city: address.city, postalCode: address.postalCode,
                          country: address.country, defaultShipping: true, defaultBilling: true),
        of: userID
    )
}
