@testable import Aggregates
import API
import Application
import EventStore
import Foundation
import Hummingbird
import Payments
import PostgresNIO
import ServiceLifecycle
import Testing
import TestSupport
import Workers

/// Every path of an order's life after checkout, through HTTP with the process managers running,
/// each ending with the inventory stream's on-hand and available and the payment's state checked
/// exactly against the write side.
@Suite("Order lifecycle after checkout")
struct LifecycleTests {
    static let card = "4242 4242 4242 4242"

    /// A shop with one product (`stock` units of SKU `sku` at `price`), a customer with a ready cart of `quantity`.
    func shop(_ api: APIClient, _ postgres: PostgresClient, sku: String, price: Int = 2000, stock: Int = 5, quantity: Int = 2) async throws
        -> (admin: String, customer: String, cart: String) {
        let admin = try await api.admin(postgres)
        let product = sku.lowercased()
        try await api.product(admin: admin, id: product, sku: sku, price: price, stock: stock)
        let (customer, _) = try await api.register("\(product)-\(UUID().uuidString.prefix(6))@example.com")
        let cart = try await api.readyCart(token: customer, product: product, sku: sku, quantity: quantity)
        return (admin, customer, cart)
    }

    func checkout(_ api: APIClient, _ customer: String, _ cart: String, card: String = card) async throws -> String {
        let answer = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": card])
        #expect(answer.status == .created, "\(answer.body)")
        return answer.string("id")
    }

    func payment(_ order: String) -> String { OrderPayments.paymentID(for: try! OrderID(order)).rawValue }

    func waitFor(_ what: String, timeout: Duration = .seconds(60), _ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await waitUntil(timeout: timeout) { (try? await condition()) == true }
    }

    @Test("the whole journey: authorize, capture, fulfil (stock committed), ship, refund in part; an over-refund is refused")
    func journey() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let (admin, customer, cart) = try await shop(api, postgres, sku: "LAMP-1", price: 4000, stock: 3, quantity: 1)
            try await withServices(lifecycleWorkers(postgres)) {
                let order = try await checkout(api, customer, cart)
                try await waitFor("authorized") { try await streams.order(order).status == .paymentAuthorized }
                let capture = try await api.call(.post, "/admin/payments/\(payment(order))/capture", token: admin, body: [:])
                #expect(capture.status == .ok, "\(capture.body)")
                #expect(try await streams.order(order).status == .paid, "capturing the total marks the order paid in the same transaction")
                #expect(try await api.call(.post, "/admin/orders/\(order)/fulfil", token: admin).status == .ok)
                try await waitFor("committed") { try await streams.stock("LAMP-1").onHand == 2 }
                #expect(try await api.call(.post, "/admin/orders/\(order)/ship", token: admin, body: ["carrier": "DHL", "trackingNumber": "JD0001"]).status == .ok)
                let refund = try await api.call(.post, "/admin/payments/\(payment(order))/refund", token: admin, body: ["amount": 1000, "reason": "scratched"])
                #expect(refund.status == .ok, "\(refund.body)")
                let tooMuch = try await api.call(.post, "/admin/payments/\(payment(order))/refund", token: admin, body: ["amount": 1_000_000, "reason": "all of it"])
                #expect(tooMuch.status == .unprocessableContent)
                #expect(tooMuch.code == "payment.over_refund")

                let stock = try await streams.stock("LAMP-1")
                #expect(stock.onHand == 2 && stock.available == 2 && stock.reservations.isEmpty)
                let paid = try await streams.payment(ofOrder: order)
                let total = try #require(try await streams.order(order).totals?.total)
                #expect(paid.status == .refunded && paid.captured == total && paid.refunded == Money(1000, .EUR) && paid.pending.isEmpty)
                #expect(try await streams.order(order).refunded == Money(1000, .EUR))

                try await project(postgres)
                let seen = try await api.call(.get, "/orders/\(order)", token: customer)
                let steps = (seen["timeline"] as? [any Sendable])?.compactMap { ($0 as? [String: any Sendable])?["status"] as? String }
                #expect(steps == ["placed", "paymentAuthorized", "paid", "fulfilled", "shipped", "shipped"])
            }
        }
    }

    @Test("racing completions of one refund operation (an admin's request and the process) record it once, on payment and order")
    func racingCompletions() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let (admin, customer, cart) = try await shop(api, postgres, sku: "RACE-1", price: 3000, stock: 5, quantity: 1)
            let order = try await withServices(lifecycleWorkers(postgres)) {
                let order = try await checkout(api, customer, cart)
                try await waitFor("authorized") { try await streams.order(order).status == .paymentAuthorized }
                #expect(try await api.call(.post, "/admin/payments/\(payment(order))/capture", token: admin, body: [:]).status == .ok)
                return order
            }
            // No process runs now: a refund is requested, then completed eight times at once.
            let repository = AggregateRepository(store: PostgresEventStore(client: postgres, logger: TestEnvironment.logger))
            let paymentID = OrderPayments.paymentID(for: try OrderID(order))
            let metadata = EventMetadata(correlationID: UUID(), actor: "test")
            let operation = PaymentOperation(operationId: "op_race", kind: .refund, amount: Money(700, .EUR), reason: "race")
            _ = try await repository.execute(Payment.self, .of("payment", paymentID), ifMatch: nil, metadata: metadata) { _ in .request(operation) }
            let complete = CompletePaymentOperation(repository: repository, gateway: SlowGateway(), logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Staggered, so some read the operation as pending before another's commit and
                // decide after it.
                for index in 0..<8 {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(15 * index))
                        _ = try await complete(payment: paymentID, operation: "op_race", metadata: metadata)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await streams.payment(ofOrder: order).refunded == Money(700, .EUR))
            #expect(try await streams.order(order).refunded == Money(700, .EUR))
            let refunds = try await postgres.query("SELECT count(*)::int FROM events WHERE event_type IN ('PaymentRefunded', 'OrderRefunded')").decode(Int.self).collectAll()[0]
            #expect(refunds == 2, "one on the payment, one on the order")
        }
    }

    @Test("regression: a cancel while the payment process is stopped ends voided, and the next order is still authorized")
    func cancelBeforeAuthorizationDoesNotHaltPayments() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let (_, customer, cart) = try await shop(api, postgres, sku: "HALT-1", stock: 5, quantity: 2)
            // No process runs: the payment stays initiated while the customer cancels.
            let first = try await checkout(api, customer, cart)
            let cancel = try await api.call(.post, "/orders/\(first)/cancel", token: customer, body: ["reason": "took too long"])
            #expect(cancel.status == .ok, "\(cancel.body)")
            #expect(try await streams.order(first).cancellation == .customer)
            let second = try await checkout(api, customer, try await api.readyCart(token: customer, product: "halt-1", sku: "HALT-1", quantity: 1))
            try await withServices(lifecycleWorkers(postgres)) {
                try await waitFor("first voided") { try await streams.payment(ofOrder: first).status == .voided }
                try await waitFor("second authorized") { try await streams.order(second).status == .paymentAuthorized }
                try await waitFor("stock released") { try await streams.stock("HALT-1").reservations[try OrderID(first)] == nil }
            }
            let voided = try await streams.payment(ofOrder: first)
            #expect(voided.authorized != nil, "the authorization was recorded before the void")
            #expect(voided.captured == nil && voided.pending.isEmpty)
            let stock = try await streams.stock("HALT-1")
            #expect(stock.onHand == 5 && stock.available == 4, "only the second order's unit is reserved")
            #expect(try await ProcessFailures(client: postgres, logger: TestEnvironment.logger).list().isEmpty, "nothing was refused")
        }
    }

    @Test("cancel after authorization: the reservation is released and the authorization voided, once")
    func cancelAfterAuthorization() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let (_, customer, cart) = try await shop(api, postgres, sku: "VOID-1", stock: 5, quantity: 2)
            try await withServices(lifecycleWorkers(postgres)) {
                let order = try await checkout(api, customer, cart)
                try await waitFor("authorized") { try await streams.order(order).status == .paymentAuthorized }
                #expect(try await api.call(.post, "/orders/\(order)/cancel", token: customer, body: ["reason": "changed my mind"]).status == .ok)
                try await waitFor("voided") { try await streams.payment(ofOrder: order).status == .voided }
                try await waitFor("released") { try await streams.stock("VOID-1").available == 5 }
            }
            let stock = try await streams.stock("VOID-1")
            #expect(stock.onHand == 5 && stock.available == 5)
            let voids = try await postgres.query("SELECT count(*)::int FROM events WHERE event_type = 'PaymentVoided'").decode(Int.self).collectAll()[0]
            #expect(voids == 1)
        }
    }

    @Test("cancel after capture: the reservation is released and everything captured is refunded")
    func cancelAfterCapture() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let (admin, customer, cart) = try await shop(api, postgres, sku: "REFD-1", price: 1500, stock: 4, quantity: 2)
            try await withServices(lifecycleWorkers(postgres)) {
                let order = try await checkout(api, customer, cart)
                try await waitFor("authorized") { try await streams.order(order).status == .paymentAuthorized }
                #expect(try await api.call(.post, "/admin/payments/\(payment(order))/capture", token: admin, body: [:]).status == .ok)
                #expect(try await api.call(.post, "/orders/\(order)/cancel", token: customer, body: ["reason": "found it cheaper"]).status == .ok)
                try await waitFor("refunded") { try await streams.payment(ofOrder: order).status == .refunded }
                try await waitFor("released") { try await streams.stock("REFD-1").available == 4 }
                let total = try #require(try await streams.order(order).totals?.total)
                let payment = try await streams.payment(ofOrder: order)
                #expect(payment.captured == total && payment.refunded == total)
                #expect(try await streams.order(order).refunded == total, "the order records the refund too")
                #expect(try await streams.stock("REFD-1").onHand == 4)
            }
        }
    }

    @Test("a declined card cancels the order and the cancellation releases its stock")
    func declined() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let (_, customer, cart) = try await shop(api, postgres, sku: "KITE-1", price: 3000, stock: 2, quantity: 2)
            try await withServices(lifecycleWorkers(postgres)) {
                let order = try await checkout(api, customer, cart, card: "4000000000000002")
                try await waitFor("cancelled") { try await streams.order(order).status == .cancelled }
                try await waitFor("released") { try await streams.stock("KITE-1").available == 2 }
                #expect(try await streams.order(order).cancellation == .paymentDeclined)
                #expect(try await streams.payment(ofOrder: order).status == .declined)
                #expect(try await streams.stock("KITE-1").onHand == 2)
            }
            let bad = try await api.call(.post, "/carts/\(try await api.readyCart(token: customer, product: "kite-1", sku: "KITE-1"))/checkout",
                                         token: customer, body: ["cardNumber": "1234 5678"])
            #expect(bad.code == "payment.invalid_card")
        }
    }

    @Test("an order unpaid at its deadline is cancelled (from the write side's deadline) and its stock released")
    func expiry() async throws {
        try await withAPI(reservationLifetime: 1) { api, postgres in
            let streams = Streams(postgres)
            let (_, customer, cart) = try await shop(api, postgres, sku: "TENT-1", price: 9000, stock: 1, quantity: 1)
            let order = try await checkout(api, customer, cart)
            // A deadline for an order that does not exist (a bad row): refused and recorded, and
            // the pass goes on to the real order.
            try await postgres.query("INSERT INTO order_deadlines (order_id, expires_at) VALUES ('order_ghost', now() - interval '1 hour')")
            // No payment authorization runs: only the deadlines' keeper, expiry and the cancellation's effects.
            let repository = AggregateRepository(store: PostgresEventStore(client: postgres, logger: TestEnvironment.logger))
            let services: [any Service] = [
                ProcessManagerService(OrderDeadlinesProcess(logger: TestEnvironment.logger), repository: repository, logger: TestEnvironment.logger),
                LifecycleWorkers.orderExpiry(repository: repository, interval: .milliseconds(100), logger: TestEnvironment.logger),
                ProcessManagerService(LifecycleProcesses.orderCancellation(), repository: repository, logger: TestEnvironment.logger),
            ]
            try await withServices(services) {
                try await waitFor("expired") { try await streams.order(order).status == .cancelled }
                try await waitFor("released") { try await streams.stock("TENT-1").available == 1 }
            }
            #expect(try await streams.order(order).cancellation == .expired)
            let stock = try await streams.stock("TENT-1")
            #expect(stock.onHand == 1 && stock.available == 1)
            #expect(try await streams.payment(ofOrder: order).status == .initiated, "nothing was ever authorized, so nothing is voided")
            #expect(try await postgres.query("SELECT count(*)::int FROM order_deadlines").decode(Int.self).collectAll()[0] == 0)
            let refused = try await ProcessFailures(client: postgres, logger: TestEnvironment.logger).list(process: "order-expiry")
            #expect(refused.map(\.stream) == ["order-order_ghost"] && refused.first?.code == "aggregate.not_found")
            let released = try await postgres.query("SELECT data->>'reason' FROM events WHERE event_type = 'StockReservationReleased'").decode(String.self).collectAll()
            #expect(released == ["expired"])
        }
    }

    @Test("partial then full fulfilment commits exactly the fulfilled quantities; delivery; a return restocks one unit, writes one off and refunds in part")
    func fulfilmentAndReturn() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let (admin, customer, cart) = try await shop(api, postgres, sku: "MUG-1", price: 1000, stock: 10, quantity: 3)
            try await withServices(lifecycleWorkers(postgres)) {
                let order = try await checkout(api, customer, cart)
                try await waitFor("authorized") { try await streams.order(order).status == .paymentAuthorized }
                #expect(try await api.call(.post, "/admin/payments/\(payment(order))/capture", token: admin, body: [:]).status == .ok)

                let partial = try await api.call(.post, "/admin/orders/\(order)/fulfil", token: admin, body: ["lines": [["sku": "MUG-1", "quantity": 1]]])
                #expect(partial.status == .ok, "\(partial.body)")
                try await waitFor("one committed") { try await streams.stock("MUG-1").onHand == 9 }
                var stock = try await streams.stock("MUG-1")
                #expect(stock.onHand == 9 && stock.available == 7 && stock.reserved == 2, "two units stay reserved")
                #expect(try await api.call(.post, "/admin/orders/\(order)/ship", token: admin, body: ["carrier": "DHL", "trackingNumber": "1"]).code == "aggregate.invalid_transition")

                #expect(try await api.call(.post, "/admin/orders/\(order)/fulfil", token: admin).status == .ok)
                try await waitFor("all committed") { try await streams.stock("MUG-1").onHand == 7 }
                stock = try await streams.stock("MUG-1")
                #expect(stock.onHand == 7 && stock.available == 7 && stock.reservations.isEmpty)

                #expect(try await api.call(.post, "/admin/orders/\(order)/ship", token: admin, body: ["carrier": "DHL", "trackingNumber": "1"]).status == .ok)
                #expect(try await api.call(.post, "/admin/orders/\(order)/deliver", token: admin).status == .ok)
                let returned = try await api.call(.post, "/admin/orders/\(order)/return", token: admin, body: [
                    "lines": [["sku": "MUG-1", "quantity": 1, "disposition": "restock"], ["sku": "MUG-1", "quantity": 1, "disposition": "writeOff"]],
                    "reason": "one chipped", "refund": 1500,
                ])
                #expect(returned.status == .ok, "\(returned.body)")
                try await waitFor("refunded") { try await streams.payment(ofOrder: order).refunded == Money(1500, .EUR) }
                try await waitFor("restocked") { try await streams.stock("MUG-1").onHand == 8 }
                stock = try await streams.stock("MUG-1")
                #expect(stock.onHand == 8 && stock.available == 8, "the restocked unit is back, the written-off one is not")
                #expect(try await streams.order(order).refunded == Money(1500, .EUR))
                let total = try #require(try await streams.order(order).totals?.total)
                let refundTooBig = try await api.call(.post, "/admin/orders/\(order)/return", token: admin, body: [
                    "lines": [["sku": "MUG-1", "quantity": 1]], "reason": "again", "refund": total.amount,
                ])
                #expect(refundTooBig.code == "order.over_refund", "a return cannot promise more than is left to refund")
                let commits = try await postgres.query("SELECT (data->>'quantity')::int FROM events WHERE event_type = 'StockReservationCommitted' ORDER BY global_position")
                    .decode(Int.self).collectAll()
                #expect(commits == [1, 2], "each fulfilment committed once")
            }
        }
    }

    @Test("a cart with lines left idle is abandoned; an empty one, or one checked out, is not")
    func abandonment() async throws {
        try await withAPI { api, postgres in
            let (_, customer, cart) = try await shop(api, postgres, sku: "IDLE-1", stock: 5, quantity: 1)
            let empty = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"]).string("id")
            let bought = try await api.readyCart(token: customer, product: "idle-1", sku: "IDLE-1")
            _ = try await checkout(api, customer, bought)
            let repository = AggregateRepository(store: PostgresEventStore(client: postgres, logger: TestEnvironment.logger))
            let services: [any Service] = [
                ProcessManagerService(CartActivityProcess(logger: TestEnvironment.logger), repository: repository, logger: TestEnvironment.logger),
                LifecycleWorkers.cartAbandonment(repository: repository, inactivity: 1, interval: .milliseconds(200), logger: TestEnvironment.logger),
            ]
            try await withServices(services) {
                try await waitFor("abandoned") { try await api.call(.get, "/carts/\(cart)", token: customer).string("status") == "abandoned" }
                // The keeper catches up with the closing events; the table ends empty.
                try await waitFor("no open carts with lines") {
                    try await postgres.query("SELECT count(*)::int FROM cart_activity").decode(Int.self).collectAll()[0] == 0
                }
            }
            #expect(try await api.call(.get, "/carts/\(empty)", token: customer).string("status") == "open")
            #expect(try await api.call(.get, "/carts/\(bought)", token: customer).string("status") == "checkedOut")
            let abandoned = try await postgres.query("SELECT stream_name FROM events WHERE event_type = 'CartAbandoned'").decode(String.self).collectAll()
            #expect(abandoned == ["cart-\(cart)"], "once, for the idle cart only")
        }
    }

    @Test("a refused process command is recorded, shown to admins, and the process moves on")
    func refusalsAreRecorded() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let (admin, customer, cart) = try await shop(api, postgres, sku: "ODD-1", stock: 5, quantity: 1)
            let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
            // An order whose fulfilment names stock it never reserved (as an import might): the
            // commit is refused.
            let stray = try OrderID("order_stray")
            let placed = EventCodec.encode(OrderEvent.placed(OrderPlaced(
                orderId: stray, cartId: try CartID("cart_stray"), customer: .customer(try CustomerID("someone")),
                lines: [OrderLine(CartLine(sku: try SKU("ODD-1"), productId: try ProductID("odd-1"), name: "Odd", quantity: 1, unitPrice: Money(2000, .EUR)))],
                shippingAddress: .sample, shippingMethod: "standard", totals: CartCheckedOut.sample.totals, discounts: []
            )))
            let fulfilled = EventCodec.encode(OrderEvent.fulfilmentRecorded(OrderFulfilmentRecorded(orderId: stray, lines: [LineQuantity(sku: try SKU("ODD-1"), quantity: 1)], complete: true)))
            try await store.append([placed, fulfilled].map { NewEvent(type: $0.type, schemaVersion: Int32($0.schemaVersion), data: $0.json) },
                                   to: .of("order", stray), expectedVersion: .noStream)
            try await withServices(lifecycleWorkers(postgres)) {
                let failures = ProcessFailures(client: postgres, logger: TestEnvironment.logger)
                try await waitFor("recorded") { try await failures.list(process: "fulfilment").count == 1 }
                // The process went on: a real order after it is fulfilled and committed.
                let order = try await checkout(api, customer, cart)
                try await waitFor("authorized") { try await streams.order(order).status == .paymentAuthorized }
                #expect(try await api.call(.post, "/admin/payments/\(payment(order))/capture", token: admin, body: [:]).status == .ok)
                #expect(try await api.call(.post, "/admin/orders/\(order)/fulfil", token: admin).status == .ok)
                try await waitFor("committed") { try await streams.stock("ODD-1").onHand == 4 }
            }
            let listed = try await api.call(.get, "/admin/processes/failures?process=fulfilment", token: admin)
            let items = try #require(listed["items"] as? [any Sendable])
            let failure = try #require(items.first as? [String: any Sendable])
            #expect(items.count == 1)
            #expect(failure["code"] as? String == "inventory.unknown_reservation")
            #expect(failure["stream"] as? String == "order-order_stray")
            #expect(failure["eventType"] as? String == "OrderFulfilmentRecorded")
            #expect(try await api.call(.get, "/admin/processes/failures", token: customer).status == .forbidden)
            #expect(try await api.call(.get, "/admin/processes/failures").status == .unauthorized)
        }
    }

    @Test("webhooks: a bad or stale signature is refused and writes nothing; a good one applies once")
    func webhooks() async throws {
        try await withAPI { api, postgres in
            let (_, customer, cart) = try await shop(api, postgres, sku: "SOCK-1", price: 500, stock: 5, quantity: 1)
            let order = try await checkout(api, customer, cart)
            let payment = payment(order)
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

/// The sandbox answering after 50 ms, as a real gateway takes its time: decisions made before the
/// call meet what others committed meanwhile.
struct SlowGateway: PaymentGateway {
    let sandbox = SandboxGateway()

    func tokenize(cardNumber: String) throws(PaymentGatewayError) -> PaymentMethodToken { try sandbox.tokenize(cardNumber: cardNumber) }

    func authorize(_ amount: Money, method: PaymentMethodToken, idempotencyKey: String) async throws(PaymentGatewayError) -> GatewayAuthorization {
        try? await Task.sleep(for: .milliseconds(50))
        return try await sandbox.authorize(amount, method: method, idempotencyKey: idempotencyKey)
    }

    func capture(_ amount: Money, authorization: String, idempotencyKey: String) async throws(PaymentGatewayError) -> String {
        try? await Task.sleep(for: .milliseconds(50))
        return try await sandbox.capture(amount, authorization: authorization, idempotencyKey: idempotencyKey)
    }

    func refund(_ amount: Money, capture: String, idempotencyKey: String) async throws(PaymentGatewayError) -> String {
        try? await Task.sleep(for: .milliseconds(50))
        return try await sandbox.refund(amount, capture: capture, idempotencyKey: idempotencyKey)
    }

    func void(authorization: String, idempotencyKey: String) async throws(PaymentGatewayError) {
        try? await Task.sleep(for: .milliseconds(50))
        try await sandbox.void(authorization: authorization, idempotencyKey: idempotencyKey)
    }
}
