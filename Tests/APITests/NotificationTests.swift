@testable import Aggregates
import API
import Application
import Crypto
import EventStore
import Foundation
import Kafka
import Mail
@testable import Notifications
import Payments
import PostgresNIO
import Projections
import ServiceLifecycle
import Testing
import TestSupport
import Workers

/// The notifier end to end: orders through HTTP, the process managers and the relay running, the
/// notifier consuming Kafka; mails read from the development SMTP server, webhooks from a
/// receiver on loopback.
@Suite("Notifications: order mails and outbound webhooks")
struct NotificationTests {
    let mailbox = Mailbox()
    static let secret = "a-receiver-secret-of-at-least-32-chars"

    /// The relay and the notifier on a topic prefix of the test's own (the shared broker).
    func pipeline(_ postgres: PostgresClient, prefix: String, group: String, lifecycle: LifecycleWorkers.Configuration? = nil) -> [any Service] {
        let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
        var relay = EventRelay.Configuration()
        relay.topicPrefix = prefix
        relay.partitions = 2
        let kafka = TestEnvironment.kafkaConfiguration
        var notifier = Notifier.Configuration(planner: NotificationPlanner.Settings(
            mails: OrderMails(from: MailAddress("shop@commerce.localhost", name: "Commerce"), storefrontURL: "https://shop.example.com"),
            publicURL: "http://api.example.com", unsubscribeKey: SymmetricKey(data: APIClient.secret)
        ))
        notifier.groupID = group
        notifier.webhooks.pollInterval = .milliseconds(50)
        notifier.webhooks.http.allowPrivateAddresses = true
        var lifecycleConfiguration = lifecycle ?? LifecycleWorkers.Configuration(gateway: SandboxGateway())
        lifecycleConfiguration.gatewayAttempts = 2
        return [StoreNotifications(store: store), EventRelay(store: store, configuration: relay, logger: TestEnvironment.logger) {
            try KafkaProducer(configuration: kafka, logger: TestEnvironment.logger)
        }] + LifecycleWorkers.services(store: store, configuration: lifecycleConfiguration, logger: TestEnvironment.logger)
            + Notifier.services(store: store, kafka: kafka, topicPrefix: prefix, configuration: notifier, logger: TestEnvironment.logger)
    }

    static func unique(_ name: String) -> String { "\(name)-\(UUID().uuidString.prefix(8).lowercased())" }

    func count(_ sql: PostgresQuery, _ postgres: PostgresClient) async throws -> Int {
        try await postgres.query(sql).decode(Int.self).collectAll().first ?? 0
    }

    @Test("placing, cancelling, shipping, refunding and a declined payment send the right mails once each, in the customer's language; webhooks arrive signed and in order; a replay from the start sends nothing again")
    func ordersSendMailsAndWebhooks() async throws {
        try await withAPI(webhookAllowPrivateAddresses: true) { api, postgres in
            let streams = Streams(postgres)
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "lamp", sku: "LAMP-N", price: 4000, stock: 10)
            let ada = Self.unique("ada") + "@mail.example"
            let bea = Self.unique("bea") + "@mail.example"
            let (adaToken, _) = try await api.register(ada)
            let (beaToken, _) = try await api.register(bea)
            let german = try await api.call(.put, "/customers/me/notification-preferences", token: beaToken, body: ["locale": "de", "marketing": []])
            #expect(german.status == .ok, "\(german.body)")

            let receiver = try WebhookReceiver(secret: Self.secret)
            let endpoint = try await api.call(.post, "/admin/webhooks", token: admin, body: [
                "url": receiver.url, "eventTypes": ["OrderPlaced", "OrderShipped", "OrderCancelled"], "secret": Self.secret, "description": "ERP",
            ])
            #expect(endpoint.status == .created, "\(endpoint.body)")
            let endpointID = try #require((endpoint["endpoint"] as? [String: any Sendable])?["id"] as? String)
            #expect(endpoint.string("secret") == Self.secret)

            let prefix = Self.unique("notify")
            let group = "\(prefix)-notifier"
            try await receiver.serving {
                try await withServices(pipeline(postgres, prefix: prefix, group: group)) {
                    // Ada: an order paid, fulfilled, shipped and refunded in part; another declined.
                    let shipped = try await api.call(.post, "/carts/\(try await api.readyCart(token: adaToken, product: "lamp", sku: "LAMP-N"))/checkout", token: adaToken, body: ["cardNumber": "4242424242424242"]).string("id")
                    try await waitUntil { (try? await streams.order(shipped).status) == .paymentAuthorized }
                    let payment = OrderPayments.paymentID(for: try OrderID(shipped)).rawValue
                    #expect(try await api.call(.post, "/admin/payments/\(payment)/capture", token: admin, body: [:]).status == .ok)
                    #expect(try await api.call(.post, "/admin/orders/\(shipped)/fulfil", token: admin).status == .ok)
                    #expect(try await api.call(.post, "/admin/orders/\(shipped)/ship", token: admin, body: ["carrier": "DHL", "trackingNumber": "JJD0042"]).status == .ok)
                    #expect(try await api.call(.post, "/admin/payments/\(payment)/refund", token: admin, body: ["amount": 1000, "reason": "scratched"]).status == .ok)
                    let declined = try await api.call(.post, "/carts/\(try await api.readyCart(token: adaToken, product: "lamp", sku: "LAMP-N"))/checkout", token: adaToken, body: ["cardNumber": "4000000000000002"]).string("id")
                    // Bea: an order she cancels.
                    let cancelled = try await api.call(.post, "/carts/\(try await api.readyCart(token: beaToken, product: "lamp", sku: "LAMP-N"))/checkout", token: beaToken, body: ["cardNumber": "4242424242424242"]).string("id")
                    #expect(try await api.call(.post, "/orders/\(cancelled)/cancel", token: beaToken, body: ["reason": "changed my mind"]).status == .ok)
                    try await waitUntil { (try? await streams.order(declined).status) == .cancelled }

                    // Every mail: Ada's verification, two orders, shipped, refunded, payment failed;
                    // Bea's verification, her order and its cancellation, in German.
                    let adaMails = try await mailbox.waitForMessages(to: ada, count: 6, timeout: .seconds(60))
                    let beaMails = try await mailbox.waitForMessages(to: bea, count: 3, timeout: .seconds(60))
                    let expectedAda = ["Confirm your e-mail address", "Your order \(shipped)", "Your order \(declined)", "Order \(shipped) shipped",
                                       "Refund for order \(shipped)", "Payment for order \(declined) failed"]
                    #expect(adaMails.map(\.subject).sorted() == expectedAda.sorted())
                    // Her verification went out before she chose German.
                    #expect(beaMails.map(\.subject).sorted() == ["Confirm your e-mail address", "Bestellung \(cancelled) storniert", "Ihre Bestellung \(cancelled)"].sorted())
                    let shippedMail = try #require(adaMails.first { $0.subject == "Order \(shipped) shipped" })
                    #expect(shippedMail.text.contains("JJD0042") && shippedMail.headers["content-language"] == "en")
                    let refundMail = try #require(adaMails.first { $0.subject.hasPrefix("Refund") })
                    #expect(refundMail.text.contains("10.00 EUR"))
                    #expect(beaMails.first { $0.subject.hasPrefix("Ihre Bestellung") }?.text.contains("40,00 EUR") == true)
                    #expect(Set(adaMails.map(\.messageID)).count == adaMails.count)

                    // Webhooks: three placed, the shipment, two cancellations (Bea's, and the declined order's).
                    try await waitUntil(timeout: .seconds(60)) { receiver.received.value.count >= 6 }
                    try await waitUntil(timeout: .seconds(30)) {
                        (try? await count("SELECT count(*)::int FROM webhook_deliveries WHERE status = 'delivered'", postgres)) == 6
                    }
                }
            }
            let received = receiver.received.value
            #expect(received.count == 6, "\(received.map(\.eventType))")
            #expect(received.allSatisfy { $0.signatureValid }, "every delivery verifies with the endpoint's secret")
            #expect(received.allSatisfy { $0.contentType.hasPrefix("application/cloudevents+json") && $0.attempt == "1" })
            #expect(Set(received.map(\.deliveryID)).count == 6)
            #expect(received.map(\.eventType).sorted() == ["OrderCancelled", "OrderCancelled", "OrderPlaced", "OrderPlaced", "OrderPlaced", "OrderShipped"])
            // Each aggregate's events in order: per subject, the positions rise.
            let bySubject = Dictionary(grouping: received.map(\.json), by: { $0["subject"] as? String ?? "" })
            for (subject, events) in bySubject {
                let positions = events.compactMap { ($0["position"] as? String).flatMap(Int64.init) }
                #expect(positions == positions.sorted() && positions.count == events.count, "\(subject): \(positions)")
                #expect(events.first?["type"] as? String == "OrderPlaced", "\(subject) starts with its placement")
            }
            let placedEvent = try #require(received.first { $0.eventType == "OrderPlaced" }?.json)
            #expect(placedEvent["specversion"] as? String == "1.0" && (placedEvent["data"] as? [String: Any])?["orderId"] != nil)

            let log = try await api.call(.get, "/admin/webhooks/\(endpointID)/deliveries", token: admin)
            let deliveries = try #require(log["deliveries"] as? [any Sendable])
            #expect(deliveries.count == 6)
            let mails = try await api.call(.get, "/admin/notifications/deliveries?kind=order_placed", token: admin)
            #expect((mails["deliveries"] as? [any Sendable])?.count == 3)

            // The notifier's group starts over from the beginning of every topic: nothing new is sent.
            let outboxBefore = try await count("SELECT count(*)::int FROM mail_outbox", postgres)
            try await postgres.query("DELETE FROM projection_offsets WHERE consumer_group = \(group)")
            let replayGroup = "\(prefix)-replay"
            try await receiver.serving {
                try await withServices(pipeline(postgres, prefix: prefix, group: replayGroup)) {
                    try await waitUntil(timeout: .seconds(60)) {
                        let applied = (try? await count("SELECT coalesce(sum(next_offset), 0)::int FROM projection_offsets WHERE consumer_group = \(replayGroup)", postgres)) ?? 0
                        let published = (try? await count("SELECT count(*)::int FROM events", postgres)) ?? -1
                        return applied == published
                    }
                }
            }
            #expect(try await count("SELECT count(*)::int FROM mail_outbox", postgres) == outboxBefore)
            #expect(try await count("SELECT count(*)::int FROM webhook_deliveries", postgres) == 6)
            #expect(receiver.received.value.count == 6)
            #expect(mailbox.messages(to: ada).count == 6 && mailbox.messages(to: bea).count == 3)
            #expect(try await count("SELECT count(*)::int FROM mail_outbox WHERE kind = 'order_cancelled' AND recipient = \(ada)", postgres) == 0,
                    "a declined payment's cancellation sends no mail of its own")
        }
    }
}
