import Aggregates
import Application
import EventStore
import Foundation
import Kafka
import PostgresNIO
import Testing
import TestSupport
import Workers

/// Erasure by crypto-shredding, end to end: personal data goes in through HTTP, out to Kafka
/// and the read models sealed; after erasure the chain still verifies and no plaintext of it is
/// left anywhere.
@Suite("Erasing a customer")
struct ErasureTests {
    @Test("after erasing a customer the whole chain verifies and no plaintext of their name, e-mail or address remains in the database or on Kafka")
    func erasure() async throws {
        try await withAPI { api, postgres in
            let tag = UUID().uuidString.prefix(8).lowercased()
            let secrets = (name: "Erin Erasure \(tag)", line1: "\(tag) Hidden Lane 7", city: "Shredton\(tag)", postalCode: "Z\(tag)", email: "erin-\(tag)@example.com")
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "lamp", sku: "LAMP-1", price: 3000, stock: 4)
            let (customer, userID) = try await api.register(secrets.email)
            let cart = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"]).string("id")
            #expect(try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "lamp", "sku": "LAMP-1", "quantity": 1]).status == .ok)
            let address = ["name": secrets.name, "line1": secrets.line1, "city": secrets.city, "postalCode": secrets.postalCode, "country": "DE"]
            #expect(try await api.call(.put, "/carts/\(cart)/shipping-address", token: customer, body: address).status == .ok)
            #expect(try await api.call(.put, "/carts/\(cart)/shipping-method", token: customer, body: ["method": "standard"]).status == .ok)
            let order = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"]).string("id")
            #expect(!order.isEmpty)

            // What downstream systems get, and the read models, as the relay and the projector make them.
            let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
            let prefix = "erasure\(tag)"
            let producer = try KafkaProducer(configuration: TestEnvironment.kafkaConfiguration, logger: TestEnvironment.logger)
            let published = try await KafkaReplay(store: store, producer: producer, partitions: 1, logger: TestEnvironment.logger)
                .run(KafkaReplay.Range(fromPosition: 1, topicPrefix: prefix))
            await producer.close()
            try await project(postgres)

            // Sealed from the start: the stored events never held the plaintext, yet the owner reads it.
            #expect(try await plaintextFound(secrets.name, postgres).isEmpty)
            let placed = try await api.call(.get, "/orders/\(order)", token: customer)
            #expect((placed["shippingAddress"] as? [String: any Sendable])?["name"] as? String == secrets.name, "\(placed.body)")
            let openCart = try await api.call(.get, "/carts/\(cart)", token: customer)
            #expect((openCart["shippingAddress"] as? [String: any Sendable])?["city"] as? String == secrets.city)

            let erased = try await api.call(.post, "/admin/customers/\(userID)/erase", token: admin)
            #expect(erased.status == .ok && erased.integer("keysDeleted") == 1 && erased["accountClosed"] as? Int64 == 1, "\(erased.body)")
            #expect(try await api.call(.post, "/admin/customers/\(userID)/erase", token: admin).integer("keysDeleted") == 0, "idempotent")
            #expect(try await api.call(.post, "/admin/customers/\(userID)/erase", token: customer).status == .forbidden)
            let sessions = try await postgres.query("SELECT count(*)::int FROM sessions WHERE user_id = \(userID)").decode(Int.self).collectAll()[0]
            #expect(sessions == 0, "the sessions, with the addresses they came from, are gone")

            #expect(try await store.verifyAll().isIntact)
            for secret in [secrets.name, secrets.line1, secrets.city, secrets.postalCode, secrets.email] {
                #expect(try await plaintextFound(secret, postgres).isEmpty, "\(secret) in the database")
            }
            let topics = published.topics.keys.sorted()
            let messages = try await consumeMessages(topics: topics, count: published.events)
            #expect(messages.count == published.events)
            for secret in [secrets.name, secrets.line1, secrets.city, secrets.postalCode, secrets.email] {
                let bytes = Array(secret.utf8)
                let carrying = messages.filter { message in
                    contains(message.value, bytes) || message.headers.contains { contains($0.value, bytes) } || contains(message.key ?? [], bytes)
                }
                #expect(carrying.isEmpty, "\(secret) on Kafka")
            }

            // Everything that shows the address now shows it erased; the country, which is not personal, stays.
            let erasedOrder = try await api.call(.get, "/orders/\(order)", token: customer)
            let shown = try #require(erasedOrder["shippingAddress"] as? [String: any Sendable])
            #expect(shown["name"] as? String == PersonalDataVault.erased && shown["city"] as? String == PersonalDataVault.erased)
            #expect(shown["country"] as? String == "DE")
            // The cart, loaded by the same process before and after: no opened copy was kept in its cache.
            let erasedCart = try await api.call(.get, "/carts/\(cart)", token: customer)
            #expect((erasedCart["shippingAddress"] as? [String: any Sendable])?["city"] as? String == PersonalDataVault.erased, "\(erasedCart.body)")
            let state = try await api.call(.get, "/admin/streams/order-\(order)/state", token: admin)
            #expect(((state["state"] as? [String: any Sendable])?["status"]) as? String != nil)
            let history = try await StreamHistory(store: store).replay(.of("cart", try CartID(cart)), asOf: nil)
            #expect(history.stateJSON.contains(PersonalDataVault.erased) && !history.stateJSON.contains(secrets.name))
            #expect(try await api.call(.post, "/auth/login", body: ["email": secrets.email, "password": "correct horse battery"]).status == .unauthorized)
        }
    }

    /// Every table of the database (but the keys) whose rows, as text, contain `secret`.
    private func plaintextFound(_ secret: String, _ postgres: PostgresClient) async throws -> [String] {
        let tables = try await postgres.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'personal_data_keys'"
        ).decode(String.self).collectAll()
        var found: [String] = []
        for table in tables {
            let hits = try await postgres.query(
                PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table) t WHERE strpos(t::text, $1) > 0", binds: try binds(secret))
            ).decode(Int.self).collectAll()
            if hits.first ?? 0 > 0 { found.append(table) }
        }
        return found
    }

    private func binds(_ value: String) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        try bindings.append(value)
        return bindings
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in haystack[start..<(start + needle.count)].elementsEqual(needle) }
    }
}
