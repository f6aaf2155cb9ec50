import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("Personal data: sealed per subject, revealed at named fields, erased by deleting the key")
struct PersonalDataVaultTests {
    let document = #"{"address":{"city":"Berlin","country":"DE","name":"Ada Lovelace","line1":"Unter den Linden 1"},"cartId":"c-1","note":"x/y"}"#
    let fields = ["name", "line1", "line2", "city", "postalCode"]

    @Test("sealed fields hold no plaintext and open again; the country and other members stay as they were")
    func roundTrip() async throws {
        try await withTestDatabase { client, _ in
            let vault = PersonalDataVault(client: client, logger: TestEnvironment.logger)
            let sealed = try await vault.seal(document, object: ["address"], fields: fields, subject: "customer-ada")
            for secret in ["Berlin", "Ada Lovelace", "Unter den Linden"] { #expect(!sealed.contains(secret)) }
            #expect(sealed.contains(#""country":"DE""#) && sealed.contains(#""note":"x/y""#) && sealed.contains("enc:v1:customer-ada:"))
            let address = try #require(json(try await vault.reveal(sealed, object: ["address"], fields: fields))["address"] as? [String: Any])
            #expect(address["name"] as? String == "Ada Lovelace" && address["city"] as? String == "Berlin" && address["line1"] as? String == "Unter den Linden 1")
            // Sealed twice the same, the values differ (a fresh nonce each time): nothing links them.
            let again = try await vault.seal(document, object: ["address"], fields: fields, subject: "customer-ada")
            #expect(again != sealed)
        }
    }

    @Test("within one append's memo a field's value is sealed once: the same field and value of the same subject read the same, anything else differs, and all open")
    func sealMemo() async throws {
        try await withTestDatabase { client, _ in
            let vault = PersonalDataVault(client: client, logger: TestEnvironment.logger)
            var memo = PersonalDataVault.SealMemo()
            let order = #"{"shippingAddress":{"city":"Berlin","name":"Berlin","country":"DE"}}"#
            let cart = try await vault.seal(document, object: ["address"], fields: fields, subject: "customer-ada", memo: &memo)
            let placed = try await vault.seal(order, object: ["shippingAddress"], fields: fields, subject: "customer-ada", memo: &memo)
            let bob = try await vault.seal(order, object: ["shippingAddress"], fields: fields, subject: "customer-bob", memo: &memo)
            func member(_ json: String, _ object: String, _ name: String) -> String? { (self.json(json)[object] as? [String: Any])?[name] as? String }
            #expect(member(cart, "address", "city") == member(placed, "shippingAddress", "city"))
            #expect(member(placed, "shippingAddress", "name") != member(placed, "shippingAddress", "city"), "another field")
            #expect(member(bob, "shippingAddress", "city") != member(placed, "shippingAddress", "city"), "another subject")
            let opened = try await vault.reveal(placed, object: ["shippingAddress"], fields: fields)
            #expect(member(opened, "shippingAddress", "name") == "Berlin" && member(opened, "shippingAddress", "city") == "Berlin")
            #expect(member(try await vault.reveal(bob, object: ["shippingAddress"], fields: fields), "shippingAddress", "city") == "Berlin")
        }
    }

    @Test("after erasure every sealed field reads as erased — also in a vault of another process once its cache ages — and nothing new is stored")
    func erasure() async throws {
        try await withTestDatabase { client, _ in
            let vault = PersonalDataVault(client: client, logger: TestEnvironment.logger)
            let other = PersonalDataVault(client: client, logger: TestEnvironment.logger, cacheLifetime: .zero)
            let sealed = try await vault.seal(document, object: ["address"], fields: fields, subject: "customer-ada")
            let bob = try await vault.seal(document, object: ["address"], fields: fields, subject: "customer-bob")
            #expect(try await other.reveal(sealed, object: ["address"], fields: fields).contains("Ada Lovelace"))

            #expect(try await vault.erase(subjects: ["customer-ada"]) == 1)
            #expect(try await vault.erase(subjects: ["customer-ada"]) == 0, "once")
            for reader in [vault, other] {
                let address = try #require(json(try await reader.reveal(sealed, object: ["address"], fields: fields))["address"] as? [String: Any])
                #expect(address["name"] as? String == PersonalDataVault.erased && address["city"] as? String == PersonalDataVault.erased)
                #expect(address["country"] as? String == "DE")
                #expect(try await reader.reveal(bob, object: ["address"], fields: fields).contains("Ada Lovelace"), "others' data is untouched")
            }
            let later = try await vault.seal(document, object: ["address"], fields: fields, subject: "customer-ada")
            #expect(!later.contains("enc:v1:") && later.contains(PersonalDataVault.erased))
            let keys = try await client.query("SELECT count(*)::int FROM personal_data_keys WHERE subject = 'customer-ada' AND key IS NULL AND erased_at IS NOT NULL")
                .decode(Int.self).collectAll()
            #expect(keys == [1], "a tombstone, no key")
        }
    }

    @Test("a sealed value moved under another subject's name, or altered, does not open; look-alikes elsewhere are never opened")
    func forgeries() async throws {
        try await withTestDatabase { client, _ in
            let vault = PersonalDataVault(client: client, logger: TestEnvironment.logger)
            let sealed = try await vault.seal(document, object: ["address"], fields: fields, subject: "customer-ada")
            let token = try #require((json(sealed)["address"] as? [String: Any])?["name"] as? String)
            _ = try await vault.seal(document, object: ["address"], fields: fields, subject: "customer-mallory")
            let moved = token.replacingOccurrences(of: "customer-ada:", with: "customer-mallory:")
            #expect(try await vault.open(moved) == PersonalDataVault.unreadable)
            var altered = Array(token)
            altered[altered.count - 3] = altered[altered.count - 3] == "A" ? "B" : "A"
            #expect(try await vault.open(String(altered)) == PersonalDataVault.unreadable)
            #expect(try await vault.open(token) == "Ada Lovelace")

            // A user typing Ada's sealed name into a free-text field learns nothing: only named fields open.
            let typed = #"{"note":"\#(token)","address":{"name":"\#(token)"}}"#
            let revealed = json(try await vault.reveal(typed, object: ["address"], fields: ["city"]))
            #expect(revealed["note"] as? String == token)
            #expect((revealed["address"] as? [String: Any])?["name"] as? String == token)
        }
    }

    private func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}
