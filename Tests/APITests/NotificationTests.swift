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

    @Test("a cart reminder goes only to a customer who opted in, with a one-click unsubscribe link that works and can be looked at first")
    func cartReminderAndUnsubscribe() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "vase", sku: "VASE-N", price: 2500, stock: 10)
            let keen = Self.unique("keen") + "@mail.example"
            let quiet = Self.unique("quiet") + "@mail.example"
            let (keenToken, _) = try await api.register(keen)
            let (quietToken, _) = try await api.register(quiet)
            let optIn = try await api.call(.put, "/customers/me/notification-preferences", token: keenToken, body: ["locale": "en", "marketing": ["cart_reminder"]])
            #expect(optIn.status == .ok && (optIn["marketing"] as? [any Sendable])?.first as? String == "cart_reminder", "\(optIn.body)")
            for token in [keenToken, quietToken] {
                let cart = try await api.call(.post, "/carts", token: token, body: ["currency": "EUR"]).string("id")
                #expect(try await api.call(.post, "/carts/\(cart)/lines", token: token, body: ["productId": "vase", "sku": "VASE-N", "quantity": 2]).status == .ok)
            }
            var lifecycle = LifecycleWorkers.Configuration(gateway: SandboxGateway())
            lifecycle.cartAbandonAfter = 1
            lifecycle.abandonmentInterval = .milliseconds(200)
            let prefix = Self.unique("remind")
            let reminder = try await withServices(pipeline(postgres, prefix: prefix, group: "\(prefix)-notifier", lifecycle: lifecycle)) {
                let mails = try await mailbox.waitForMessages(to: keen, count: 2, timeout: .seconds(120))
                // Both carts were abandoned; the customer who did not opt in gets no reminder.
                try await waitUntil(timeout: .seconds(90)) {
                    (try? await count("SELECT count(*)::int FROM events WHERE event_type = 'CartAbandoned'", postgres)) == 2
                }
                return try #require(mails.first { $0.subject == "You left something in your cart" })
            }
            #expect(reminder.text.contains("2 × Product vase") && reminder.text.contains("50.00 EUR"))
            let header = try #require(reminder.headers["list-unsubscribe"])
            #expect(reminder.headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click")
            #expect(header.hasPrefix("<http://api.example.com/notifications/unsubscribe?token=") && header.hasSuffix(">"))
            #expect(mailbox.messages(to: quiet).allSatisfy { $0.subject != "You left something in your cart" })
            #expect(try await count("SELECT count(*)::int FROM mail_outbox WHERE kind = 'cart_reminder'", postgres) == 1)

            let path = String(header.dropFirst("<http://api.example.com".count).dropLast())
            let look = try await api.call(.get, path)
            #expect(look.status == .ok && look.string("kind") == "cart_reminder" && look["unsubscribed"] as? Int64 == 0)
            #expect((try await api.call(.get, "/customers/me/notification-preferences", token: keenToken)["marketing"] as? [any Sendable])?.count == 1,
                    "looking at the link changes nothing")
            let oneClick = try await api.call(.post, path, json: "List-Unsubscribe=One-Click", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(oneClick.status == .ok && oneClick["unsubscribed"] as? Int64 == 1, "\(oneClick.body)")
            #expect((try await api.call(.get, "/customers/me/notification-preferences", token: keenToken)["marketing"] as? [any Sendable])?.isEmpty == true)
            let forged = try await api.call(.post, path.replacingOccurrences(of: "token=", with: "token=x"))
            #expect(forged.status == .unprocessableContent && forged.code == "invalid_unsubscribe_token")
        }
    }

    @Test("wish-list alerts: back in stock and a price drop mail the customer who opted in, once each, with an unsubscribe link; one who did not gets none")
    func wishlistAlertMails() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "parka", sku: "PARKA-L", price: 20000, stock: 0)
            let keen = Self.unique("keen") + "@mail.example"
            let quiet = Self.unique("quiet") + "@mail.example"
            let (keenToken, _) = try await api.register(keen)
            let (quietToken, _) = try await api.register(quiet)
            let optIn = try await api.call(.put, "/customers/me/notification-preferences", token: keenToken, body: ["locale": "en", "marketing": ["back_in_stock", "price_drop"]])
            #expect(optIn.status == .ok, "\(optIn.body)")
            for token in [keenToken, quietToken] {
                #expect(try await api.call(.post, "/customers/me/wishlists/default/items", token: token, body: ["productId": "parka", "sku": "PARKA-L"]).status == .ok)
            }
            let prefix = Self.unique("alerts")
            let mails = try await withServices(pipeline(postgres, prefix: prefix, group: "\(prefix)-notifier")) {
                #expect(try await api.call(.post, "/admin/inventory/PARKA-L/receive", token: admin, body: ["quantity": 4]).status == .ok)
                #expect(try await api.call(.put, "/admin/products/parka/prices", token: admin, body: ["sku": "PARKA-L", "amount": 15000, "currency": "EUR"]).status == .ok)
                let mails = try await mailbox.waitForMessages(to: keen, count: 3, timeout: .seconds(120))
                try await waitUntil(timeout: .seconds(90)) {
                    (try? await count("SELECT count(*)::int FROM mail_outbox WHERE kind IN ('back_in_stock', 'price_drop')", postgres)) == 2
                }
                return mails
            }
            let back = try #require(mails.first { $0.subject == "Back in stock: Product parka" })
            #expect(back.text.contains("PARKA-L") && back.text.contains("4"))
            let drop = try #require(mails.first { $0.subject == "Price drop: Product parka" })
            #expect(drop.text.contains("200.00 EUR") && drop.text.contains("150.00 EUR"))
            #expect(drop.headers["list-unsubscribe"]?.contains("/notifications/unsubscribe?token=") == true)
            #expect(mailbox.messages(to: quiet).allSatisfy { !$0.subject.contains("parka") }, "no opt-in, no alert mail")
            #expect(try await count("SELECT count(*)::int FROM events WHERE event_type IN ('WishlistBackInStock', 'WishlistPriceDropped')", postgres) == 4,
                    "both customers' alerts are recorded; only the mail waits for the opt-in")
        }
    }

    @Test("bad input is refused naming the field: endpoint URLs, private addresses, event types, secrets, preferences, filters")
    func badInput() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let secret = String(repeating: "k", count: 40)
            let cases: [([String: Any], String)] = [
                (["url": "not a url", "eventTypes": ["OrderPlaced"]], "url"),
                (["url": "ftp://hooks.example.com/x", "eventTypes": ["OrderPlaced"]], "url"),
                (["url": "http://127.0.0.1:9/hook", "eventTypes": ["OrderPlaced"]], "url"),
                (["url": "http://10.0.0.8/hook", "eventTypes": ["OrderPlaced"]], "url"),
                (["url": "http://localhost/hook", "eventTypes": ["OrderPlaced"]], "url"),
                (["url": "https://hooks.example.com/x", "eventTypes": ["OrderTeleported"]], "eventTypes"),
                (["url": "https://hooks.example.com/x", "eventTypes": [] as [String]], "eventTypes"),
                (["url": "https://hooks.example.com/x", "eventTypes": ["OrderPlaced"], "secret": "short"], "secret"),
            ]
            for (body, field) in cases {
                let answer = try await api.call(.post, "/admin/webhooks", token: admin, body: body)
                #expect(answer.status == .unprocessableContent && answer.code == "invalid_webhook_endpoint" && answer.string("field") == field, "\(body): \(answer.body)")
                #expect(answer.headers[.contentType] == "application/problem+json")
            }
            let listed = try await api.call(.get, "/admin/webhooks", token: admin)
            #expect(listed.status == .ok && (listed["endpoints"] as? [any Sendable])?.isEmpty == true, "nothing was registered: \(listed.body)")
            let created = try await api.call(.post, "/admin/webhooks", token: admin, body: ["url": "https://hooks.example.com/in", "eventTypes": ["*"], "secret": secret])
            #expect(created.status == .created)
            let id = try #require((created["endpoint"] as? [String: any Sendable])?["id"] as? String)
            #expect(try await api.call(.delete, "/admin/webhooks/\(id)", token: admin).status == .noContent)
            #expect(try await api.call(.delete, "/admin/webhooks/\(id)", token: admin).code == "webhook_endpoint_not_found")
            #expect(try await api.call(.get, "/admin/webhooks/not-a-uuid", token: admin).code == "webhook_endpoint_not_found")
            #expect(try await api.call(.get, "/admin/notifications/deliveries?status=lost", token: admin).string("field") == "status")
            #expect(try await api.call(.get, "/admin/notifications/deliveries?kind=spam", token: admin).string("field") == "kind")

            let (customer, _) = try await api.register(Self.unique("prefs") + "@mail.example")
            let language = try await api.call(.put, "/customers/me/notification-preferences", token: customer, body: ["locale": "xx", "marketing": []])
            #expect(language.status == .badRequest && language.string("field") == "locale")
            let transactional = try await api.call(.put, "/customers/me/notification-preferences", token: customer, body: ["locale": "en", "marketing": ["order_placed"]])
            #expect(transactional.status == .badRequest && transactional.string("field") == "marketing")
            #expect(try await api.call(.post, "/admin/webhooks", token: customer, body: ["url": "https://hooks.example.com/x", "eventTypes": ["*"]]).status == .forbidden)
            #expect(try await api.call(.post, "/notifications/unsubscribe").code == "invalid_unsubscribe_token")
        }
    }

}

/// Webhook delivery on a clock of the test's own: retries, ordering per stream, dead letters.
@Suite("Notifications: webhook retries on a test clock")
struct WebhookScheduleTests {
    /// The schedule's clock, moved by the test.
    final class TestClock: Sendable {
        let now = LockedBox(Date())
        func advance(to date: Date) { now.withLock { $0 = max($0, date) } }
    }

    func endpoint(_ url: String, _ postgres: PostgresClient) async throws -> UUID {
        let draft = try WebhookEndpoint.Draft(url: url, eventTypes: ["*"], secret: NotificationTests.secret, description: nil).validated(allowPrivateAddresses: true)
        return try await WebhookEndpoints.create(draft, client: postgres, logger: TestEnvironment.logger).0.id
    }

    func enqueue(_ endpoint: UUID, stream: String, position: Int64, _ postgres: PostgresClient) async throws -> UUID {
        let event = UUID()
        _ = try await postgres.withConnection { connection in
            try await WebhookDeliveries.enqueue(
                eventID: event, eventType: "OrderPlaced", stream: stream, position: position,
                body: #"{"specversion":"1.0","id":"\#(event.uuidString.lowercased())","type":"OrderPlaced","data":{}}"#,
                endpoints: [endpoint], on: connection, logger: TestEnvironment.logger
            )
        }
        return event
    }

    func sender(_ postgres: PostgresClient, _ clock: TestClock) -> WebhookSender {
        var configuration = WebhookSender.Configuration()
        configuration.http.allowPrivateAddresses = true
        return WebhookSender(client: postgres, configuration: configuration, logger: TestEnvironment.logger, now: { clock.now.value }, jitter: { 1 })
    }

    /// Moves the clock to the earliest next attempt of a delivery that may go. - Returns: false when none is pending.
    func advanceToNextAttempt(_ clock: TestClock, _ postgres: PostgresClient) async throws -> Bool {
        // Of the deliveries that may go: the oldest pending one of each stream.
        let query: PostgresQuery = """
            SELECT min(d.next_attempt_at) FROM webhook_deliveries d WHERE d.status = 'pending' AND NOT EXISTS (
                SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id AND e.stream = d.stream AND e.status = 'pending' AND e.position < d.position)
            """
        guard let next = try await postgres.query(query).decode(Date?.self).collectAll().first ?? nil else {
            return false
        }
        clock.advance(to: next)
        return true
    }

    @Test("a receiver that fails three times and then accepts gets one delivery in four attempts, each signed; the stream's next event waits for it")
    func retriedUntilAccepted() async throws {
        try await withTestDatabase { postgres, _ in
            let receiver = try WebhookReceiver(secret: NotificationTests.secret, failures: 3)
            let endpoint = try await endpoint(receiver.url, postgres)
            let first = try await enqueue(endpoint, stream: "order-1", position: 10, postgres)
            let second = try await enqueue(endpoint, stream: "order-1", position: 11, postgres)
            let clock = TestClock()
            let sender = sender(postgres, clock)
            try await receiver.serving {
                var rounds = 0
                while try await advanceToNextAttempt(clock, postgres), rounds < 20 {
                    try await sender.sendDue()
                    rounds += 1
                }
            }
            let log = try await WebhookDeliveries.log(endpoint: endpoint, limit: 10, client: postgres, logger: TestEnvironment.logger)
            let delivered = try #require(log.first { $0.eventID == first })
            #expect(delivered.status == .delivered && delivered.attempts == 4)
            #expect(delivered.attemptLog.map(\.statusCode) == [500, 500, 500, 200])
            // Waits of 10, 20 and 40 s between the attempts, on the test clock.
            let gaps = zip(delivered.attemptLog.dropFirst(), delivered.attemptLog).map { $0.startedAt.timeIntervalSince($1.startedAt) }
            #expect(gaps.map { $0.rounded() } == [10, 20, 40])
            let received = receiver.received.value
            let firstID = delivered.id.uuidString.lowercased()
            let attemptsOfFirst = received.filter { $0.deliveryID == firstID }
            #expect(attemptsOfFirst.map(\.attempt) == ["1", "2", "3", "4"])
            #expect(received.allSatisfy { $0.signatureValid })
            // The second event of the stream went out only after the first was accepted (and fails three times itself).
            let secondID = try #require(log.first { $0.eventID == second }).id.uuidString.lowercased()
            let firstOfSecond = try #require(received.firstIndex { $0.deliveryID == secondID })
            #expect(received[..<firstOfSecond].filter { $0.deliveryID == firstID }.count == 4)
            #expect(log.allSatisfy { $0.status == .delivered })
        }
    }

    @Test("a receiver that never accepts: the delivery is dead-lettered once the next try would pass 24 h, and can be sent again by hand")
    func deadLettered() async throws {
        try await withAPI(webhookAllowPrivateAddresses: true) { api, postgres in
            let admin = try await api.admin(postgres)
            let receiver = try WebhookReceiver(secret: NotificationTests.secret, failures: .max)
            let endpoint = try await endpoint(receiver.url, postgres)
            let event = try await enqueue(endpoint, stream: "order-2", position: 5, postgres)
            let clock = TestClock()
            let start = clock.now.value
            let sender = sender(postgres, clock)
            try await receiver.serving {
                var rounds = 0
                while try await advanceToNextAttempt(clock, postgres), rounds < 100 {
                    try await sender.sendDue()
                    rounds += 1
                }
            }
            // Independently: waits of 10 s doubling up to 1 h while the total stays within 24 h.
            var waited: TimeInterval = 0
            var expectedAttempts = 1
            var wait: TimeInterval = 10
            while waited + wait <= 86_400 {
                waited += wait
                expectedAttempts += 1
                wait = min(wait * 2, 3600)
            }
            let dead = try #require(try await WebhookDeliveries.log(endpoint: endpoint, limit: 1, client: postgres, logger: TestEnvironment.logger).first)
            #expect(dead.eventID == event && dead.status == .dead)
            #expect(dead.attempts == expectedAttempts, "\(dead.attempts) attempts, expected \(expectedAttempts)")
            #expect(receiver.received.value.count == expectedAttempts)
            let last = try #require(dead.attemptLog.last)
            #expect(last.startedAt.timeIntervalSince(start) <= 86_400 + 1)
            #expect(dead.lastStatus == 500)

            // An admin sends it again: pending at once, attempted by the next look.
            let retried = try await api.call(.post, "/admin/webhooks/\(endpoint.uuidString.lowercased())/deliveries/\(dead.id.uuidString.lowercased())/retry", token: admin)
            #expect(retried.status == .accepted, "\(retried.body)")
            #expect(retried.string("status") == "pending")
            let missing = try await api.call(.post, "/admin/webhooks/\(endpoint.uuidString.lowercased())/deliveries/\(UUID().uuidString.lowercased())/retry", token: admin)
            #expect(missing.status == .notFound && missing.code == "webhook_delivery_not_found")
        }
    }
}
