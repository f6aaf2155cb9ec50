import API
import EventStore
import Foundation
import Hummingbird
import Payments
import PostgresNIO
import Testing
import TestSupport
import ServiceLifecycle
@testable import Workers

@Suite("Checkout process, payments and webhooks")
struct CheckoutProcessTests {
    func process(_ postgres: PostgresClient, lifetime: TimeInterval = 900) -> CheckoutProcess {
        var configuration = CheckoutProcess.Configuration()
        configuration.reservationLifetime = lifetime
        configuration.expiryInterval = .seconds(3600)
        return CheckoutProcess(store: PostgresEventStore(client: postgres, logger: TestEnvironment.logger), gateway: SandboxGateway(),
                               configuration: configuration, logger: TestEnvironment.logger)
    }

    /// Waits until the order's status in its stream (projected into the read model) is `status`.
    func waitForStatus(_ api: APIClient, _ postgres: PostgresClient, order: String, token: String, _ status: String) async throws {
        try await waitUntil(timeout: .seconds(15)) {
            try? await project(postgres)
            return (try? await api.call(.get, "/orders/\(order)", token: token).string("status")) == status
        }
    }

    @Test("the whole journey: pay with the sandbox, capture, fulfil, ship, refund in part — each step through the API")
    func journey() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "lamp", sku: "LAMP-1", price: 4000, stock: 3)
            let (customer, _) = try await api.register("journey@example.com")
            try await project(postgres)
            let found = try await api.call(.get, "/catalog/products?q=lamp&currency=EUR")
            #expect((found["items"] as? [any Sendable])?.count == 1, "browsing finds the lamp")
            let cart = try await api.readyCart(token: customer, product: "lamp", sku: "LAMP-1")
            try await withServices([process(postgres)]) {
                let checkout = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242 4242 4242 4242"])
                #expect(checkout.status == .created)
                let order = checkout.string("id")
                let payment = order.replacingOccurrences(of: "order_", with: "pay_")
                try await waitForStatus(api, postgres, order: order, token: customer, "paymentAuthorized")

                // The same PaymentInitiated delivered again changes nothing.
                let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
                let initiated = try #require(try await readEverything(store).first { $0.type == "PaymentInitiated" })
                let before = try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]
                try await process(postgres).authorize(initiated)
                #expect(try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0] == before)

                #expect(try await api.call(.post, "/admin/payments/\(payment)/capture", token: admin, body: [:]).status == .ok)
                #expect(try await api.call(.post, "/admin/orders/\(order)/fulfil", token: admin).status == .ok)
                #expect(try await api.call(.post, "/admin/orders/\(order)/ship", token: admin, body: ["carrier": "DHL", "trackingNumber": "JD0001"]).status == .ok)
                let refund = try await api.call(.post, "/admin/payments/\(payment)/refund", token: admin, body: ["amount": 1000, "reason": "scratched"])
                #expect(refund.status == .ok, "\(refund.body)")
                let tooMuch = try await api.call(.post, "/admin/payments/\(payment)/refund", token: admin, body: ["amount": 1_000_000, "reason": "all of it"])
                #expect(tooMuch.status == .unprocessableContent)
                #expect(tooMuch.code == "payment.over_refund")

                try await waitForStatus(api, postgres, order: order, token: customer, "shipped")
                let seen = try await api.call(.get, "/orders/\(order)", token: customer)
                #expect((seen["refunded"] as? [String: any Sendable])?["amount"] as? Int64 == 1000)
                let steps = (seen["timeline"] as? [any Sendable])?.compactMap { ($0 as? [String: any Sendable])?["status"] as? String }
                #expect(steps == ["placed", "paymentAuthorized", "paid", "fulfilled", "shipped", "shipped"])
            }
        }
    }

    @Test("a declined card cancels the order and releases its stock")
    func declined() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "kite", sku: "KITE-1", price: 3000, stock: 2)
            let (customer, _) = try await api.register("declined@example.com")
            let cart = try await api.readyCart(token: customer, product: "kite", sku: "KITE-1", quantity: 2)
            try await withServices([process(postgres)]) {
                let order = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4000000000000002"]).string("id")
                try await waitForStatus(api, postgres, order: order, token: customer, "cancelled")
            }
            let available = try await postgres.query("SELECT available FROM catalog_variants WHERE sku = 'KITE-1'").decode(Int.self).collectAll()[0]
            #expect(available == 2)
            let bad = try await api.call(.post, "/carts/\(try await api.readyCart(token: customer, product: "kite", sku: "KITE-1"))/checkout",
                                         token: customer, body: ["cardNumber": "1234 5678"])
            #expect(bad.code == "payment.invalid_card")
        }
    }

    @Test("an order left unpaid past its reservation is cancelled and its stock released")
    func expired() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "tent", sku: "TENT-1", price: 9000, stock: 1)
            let (customer, _) = try await api.register("slow@example.com")
            let cart = try await api.readyCart(token: customer, product: "tent", sku: "TENT-1")
            // No process runs: nothing authorizes the payment.
            let order = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"]).string("id")
            try await project(postgres)
            try await process(postgres).expireUnpaid(placedBefore: Date().addingTimeInterval(1))
            try await waitForStatus(api, postgres, order: order, token: customer, "cancelled")
            let available = try await postgres.query("SELECT available FROM catalog_variants WHERE sku = 'TENT-1'").decode(Int.self).collectAll()[0]
            #expect(available == 1)
        }
    }

    @Test("webhooks: a bad or stale signature is refused and writes nothing; a good one applies once")
    func webhooks() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "sock", sku: "SOCK-1", price: 500, stock: 5)
            let (customer, _) = try await api.register("hooks@example.com")
            let cart = try await api.readyCart(token: customer, product: "sock", sku: "SOCK-1")
            let order = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"]).string("id")
            let payment = order.replacingOccurrences(of: "order_", with: "pay_")
            let signer = WebhookSignature(secret: APIClient.webhookSecret)
            func send(_ json: String, signature: String?) async throws -> APIClient.Answer {
                try await api.call(.post, "/webhooks/payments", json: json, headers: signature.map { [.init("Commerce-Signature")!: $0] } ?? [:])
            }
            let total = try await postgres.query("SELECT (data->'amount'->>'amount')::bigint FROM events WHERE event_type = 'PaymentInitiated'").decode(Int64.self).collectAll()[0]
            let authorized = #"{"id":"evt_1","type":"payment.authorized","paymentId":"\#(payment)","amount":\#(total),"reference":"gw_auth_1"}"#
            let before = try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]

            #expect(try await send(authorized, signature: nil).code == "invalid_signature")
            #expect(try await send(authorized, signature: "t=1,v1=00").code == "invalid_signature")
            #expect(try await send(authorized, signature: WebhookSignature(secret: Array(repeating: 1, count: 32)).sign(Array(authorized.utf8))).code == "invalid_signature")
            #expect(try await send(authorized, signature: signer.sign(Array(authorized.utf8), at: Date().addingTimeInterval(-3600))).code == "stale_signature")
            #expect(try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0] == before, "nothing written")

            let first = try await send(authorized, signature: signer.sign(Array(authorized.utf8)))
            #expect(first.status == .ok)
            #expect(first["applied"] as? Bool == true || (first["applied"] as? Int64) == 1)
            let again = try await send(authorized, signature: signer.sign(Array(authorized.utf8)))
            #expect((again["duplicate"] as? Int64) == 1 || again["duplicate"] as? Bool == true)
            let events = try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]
            #expect(events == before + 2, "payment authorized and order payment recorded, once")
        }
    }
}
