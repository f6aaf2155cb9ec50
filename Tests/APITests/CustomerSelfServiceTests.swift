import API
import Foundation
import HTTPTypes
import PostgresNIO
import Testing
import TestSupport

/// The signed-in customer's own account through HTTP: profile, address book (and a cart taking
/// a saved address), export, and closing the account.
@Suite("Customer self-service: profile, address book, export, deletion")
struct CustomerSelfServiceTests {
    static let address: [String: any Sendable] = ["name": "Ada Lovelace", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115", "country": "DE"]

    @Test("the profile is replaced as a whole and validated field by field; name and phone are stored sealed")
    func profile() async throws {
        try await withAPI { api, postgres in
            let (token, userID) = try await api.register("profile@example.com")
            let empty = try await api.call(.get, "/customers/me", token: token)
            #expect(empty.status == .ok)
            #expect(empty.string("userId") == userID)
            #expect(empty.string("email") == "profile@example.com")
            #expect((empty["profile"] as? [String: any Sendable])?.isEmpty == true)

            let set = try await api.call(.put, "/customers/me/profile", token: token,
                                         body: ["name": "Grace Hopper", "phone": "+49 30 1234567", "locale": "de-DE", "currency": "EUR"])
            #expect(set.status == .ok)
            let profile = set["profile"] as? [String: any Sendable]
            #expect(profile?["name"] as? String == "Grace Hopper")
            #expect(profile?["locale"] as? String == "de-DE")
            let stored = try await postgres.query("SELECT sealed FROM customer_profiles").decode(String.self).collectAll()
            #expect(stored.count == 1 && !stored[0].contains("Grace") && !stored[0].contains("1234567") && stored[0].contains("de-DE"))

            for (field, value) in [("phone", "call me"), ("locale", "German"), ("currency", "XYZ"), ("name", "")] {
                let refused = try await api.call(.put, "/customers/me/profile", token: token, body: [field: value])
                #expect(refused.status == .badRequest, "\(field)")
                #expect(refused.code == "invalid_profile")
                #expect(refused["field"] as? String == field)
            }
            #expect(try await api.call(.put, "/customers/me/profile", token: token, body: ["nickname": "x"]).code == "unknown_field")
            // Replaced as a whole: what is left out is cleared.
            let cleared = try await api.call(.put, "/customers/me/profile", token: token, body: ["locale": "en"])
            #expect((cleared["profile"] as? [String: any Sendable])?.keys.sorted() == ["locale"])
            #expect(try await api.call(.get, "/customers/me").status == .unauthorized)
        }
    }

    @Test("the address book keeps one default shipping and one default billing address; a cart takes a saved address by id; another customer's is not found")
    func addressBook() async throws {
        try await withAPI { api, _ in
            let (token, _) = try await api.register("book@example.com")
            let (other, _) = try await api.register("other-book@example.com")
            var home = Self.address
            home["label"] = "Home"
            home["defaultShipping"] = true
            home["defaultBilling"] = true
            let first = try await api.call(.post, "/customers/me/addresses", token: token, body: home)
            #expect(first.status == .created)
            let firstID = first.string("addressId")
            #expect(firstID.hasPrefix("adr_"))
            var office = Self.address
            office["line1"] = "2 Office Park"
            office["defaultShipping"] = true
            let second = try await api.call(.post, "/customers/me/addresses", token: token, body: office)
            #expect(second.status == .created)
            let secondID = second.string("addressId")

            let listed = try await api.call(.get, "/customers/me/addresses", token: token)["addresses"] as? [[String: any Sendable]] ?? []
            #expect(listed.map { $0["addressId"] as? String } == [firstID, secondID])
            #expect(listed.map { $0["defaultShipping"] as? Int64 } == [0, 1], "the new default took the place of the old")
            #expect(listed.map { $0["defaultBilling"] as? Int64 } == [1, 0])

            var changed = office
            changed["city"] = "Hamburg"
            changed["defaultShipping"] = false
            let replaced = try await api.call(.put, "/customers/me/addresses/\(secondID)", token: token, body: changed)
            #expect(replaced.string("city") == "Hamburg")
            #expect(try await api.call(.put, "/customers/me/addresses/\(secondID)", token: other, body: changed).code == "address_not_found")
            // The other customer's own default stays when their change of a foreign id is refused.
            var theirs = Self.address
            theirs["defaultShipping"] = true
            let theirID = try await api.call(.post, "/customers/me/addresses", token: other, body: theirs).string("addressId")
            #expect(try await api.call(.put, "/customers/me/addresses/\(firstID)", token: other, body: theirs).code == "address_not_found")
            let otherBook = try await api.call(.get, "/customers/me/addresses", token: other)["addresses"] as? [[String: any Sendable]] ?? []
            #expect(otherBook.map { $0["addressId"] as? String } == [theirID])
            #expect(otherBook.first?["defaultShipping"] as? Int64 == 1)
            var bad = Self.address
            bad["country"] = "Germany"
            #expect(try await api.call(.post, "/customers/me/addresses", token: token, body: bad).status == .unprocessableContent, "the cart's own rules")
            var labelled = Self.address
            labelled["label"] = String(repeating: "x", count: 51)
            #expect(try await api.call(.post, "/customers/me/addresses", token: token, body: labelled).code == "invalid_address")

            let cart = try await api.call(.post, "/carts", token: token, body: ["currency": "EUR"]).string("id")
            let set = try await api.call(.put, "/carts/\(cart)/shipping-address", token: token, body: ["addressId": secondID])
            #expect(set.status == .ok, "\(set.body)")
            let view = try await api.call(.get, "/carts/\(cart)", token: token)
            #expect((view["shippingAddress"] as? [String: any Sendable])?["city"] as? String == "Hamburg")
            let otherCart = try await api.call(.post, "/carts", token: other, body: ["currency": "EUR"]).string("id")
            let foreign = try await api.call(.put, "/carts/\(otherCart)/shipping-address", token: other, body: ["addressId": secondID])
            #expect(foreign.status == .unprocessableContent)
            #expect(foreign.code == "address_not_found")
            #expect(try await api.call(.put, "/carts/\(cart)/shipping-address", token: token, body: ["addressId": secondID, "city": "x"]).code == "unknown_field")

            #expect(try await api.call(.delete, "/customers/me/addresses/\(firstID)", token: other).status == .notFound)
            #expect(try await api.call(.delete, "/customers/me/addresses/\(firstID)", token: token).status == .noContent)
            #expect((try await api.call(.get, "/customers/me/addresses", token: token)["addresses"] as? [Any])?.count == 1)
        }
    }

    @Test("the export holds the account, profile, addresses, sessions, carts, orders, mail preferences and mails; deleting the account needs the password and leaves no name, e-mail or address in any table")
    func exportAndDeletion() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "mug", sku: "MUG-1", price: 1200, stock: 5)
            let marker = UUID().uuidString.prefix(8).lowercased()
            let email = "leaving-\(marker)@example.com"
            let name = "Zephyrine Quackenbush \(marker)"
            let street = "\(marker) Unusual Lane"
            let (token, userID) = try await api.register(email)
            #expect(try await api.call(.put, "/customers/me/profile", token: token, body: ["name": name, "phone": "+44 20 7946 0000"]).status == .ok)
            #expect(try await api.call(.put, "/customers/me/notification-preferences", token: token, body: ["locale": "de", "marketing": ["cart_reminder"]]).status == .ok)
            var address = Self.address
            address["name"] = name
            address["line1"] = street
            let saved = try await api.call(.post, "/customers/me/addresses", token: token, body: address).string("addressId")
            let cart = try await api.call(.post, "/carts", token: token, body: ["currency": "EUR"]).string("id")
            #expect(try await api.call(.post, "/carts/\(cart)/lines", token: token, body: ["productId": "mug", "sku": "MUG-1", "quantity": 1]).status == .ok)
            #expect(try await api.call(.put, "/carts/\(cart)/shipping-address", token: token, body: ["addressId": saved]).status == .ok)
            #expect(try await api.call(.put, "/carts/\(cart)/shipping-method", token: token, body: ["method": "standard"]).status == .ok)
            let order = try await api.call(.post, "/carts/\(cart)/checkout", token: token, body: ["cardNumber": "4242424242424242"])
            #expect(order.status == .created, "\(order.body)")
            try await project(postgres)

            let export = try await api.call(.get, "/customers/me/export", token: token)
            #expect(export.status == .ok)
            #expect(export.headers[.contentDisposition]?.contains("attachment") == true)
            let account = export["account"] as? [String: any Sendable]
            #expect(account?["email"] as? String == email)
            #expect((account?["profile"] as? [String: any Sendable])?["name"] as? String == name)
            #expect((export["addresses"] as? [[String: any Sendable]])?.first?["line1"] as? String == street)
            #expect((export["sessions"] as? [Any])?.count == 1)
            let carts = export["carts"] as? [[String: any Sendable]] ?? []
            #expect(carts.map { $0["cartId"] as? String } == [cart])
            #expect((carts.first?["shippingAddress"] as? [String: any Sendable])?["line1"] as? String == street)
            let orders = export["orders"] as? [[String: any Sendable]] ?? []
            #expect(orders.map { $0["orderId"] as? String } == [order.string("id")])
            #expect((orders.first?["shippingAddress"] as? [String: any Sendable])?["name"] as? String == name)
            let preferences = export["notificationPreferences"] as? [String: any Sendable]
            #expect(preferences?["locale"] as? String == "de" && (preferences?["marketing"] as? [any Sendable])?.first as? String == "cart_reminder")
            // The verification mail written at registration is in the export, with its kind and recipient.
            let mails = export["mails"] as? [[String: any Sendable]] ?? []
            #expect(mails.map { $0["kind"] as? String } == ["verify_email"] && mails.first?["recipient"] as? String == email)

            let wrong = try await api.call(.delete, "/customers/me", token: token, body: ["password": "not the password"])
            #expect(wrong.status == .forbidden)
            #expect(wrong.code == "wrong_password")
            #expect(try await api.call(.delete, "/customers/me", token: token, body: ["password": "correct horse battery"]).status == .noContent)
            #expect(try await api.call(.get, "/customers/me", token: token).status == .unauthorized)

            // Every row of every table, as text: the name, the e-mail and the street are gone
            // (the events keep them sealed under a key that no longer exists).
            let tables = try await postgres.query(
                "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            ).decode(String.self).collectAll()
            #expect(tables.contains("events") && tables.contains("customer_addresses") && tables.contains("order_history"))
            for table in tables {
                for needle in [email, name, street, userID + "@"] {
                    let rows = try await postgres.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table) t WHERE strpos(t::text, $1) > 0", binds: try {
                        var binds = PostgresBindings()
                        try binds.append(needle)
                        return binds
                    }())).decode(Int.self).collectAll()[0]
                    #expect(rows == 0, "\(needle) is still in \(table)")
                }
            }
            #expect(try await api.call(.post, "/auth/login", body: ["email": email, "password": "correct horse battery"]).code == "invalid_credentials")
            // The order stays, for the accounts, with its customer anonymised.
            let kept = try await postgres.query("SELECT count(*)::int FROM order_history WHERE order_id = \(order.string("id"))").decode(Int.self).collectAll()[0]
            #expect(kept == 1)
        }
    }
}
