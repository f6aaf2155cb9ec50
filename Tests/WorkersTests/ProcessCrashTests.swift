import Aggregates
import Application
import EventStore
import Foundation
import Payments
import PostgresNIO
import Testing
import TestSupport

/// The process managers as two `commerce worker --processes` processes (one elected active, the
/// other standing by; during a takeover both may act on an event, and the checkpoint fence lets
/// one commit), killed with SIGKILL at random points while
/// orders are placed, cancelled, captured, fulfilled and returned. Afterwards the
/// event log is checked against figures computed from it independently: no cancelled order holds
/// a reservation or an unvoided authorization, every fulfilled quantity was committed once, every
/// restocked return came back once, and no money moved twice.
@Suite("Process managers killed with SIGKILL", .enabled(if: TestEnvironment.commerceExecutable != nil))
struct ProcessCrashTests {
    static let skus = ["CRASH-A", "CRASH-B", "CRASH-C"]
    static let trials = 20

    /// The workers' warnings and errors, shown when the trials fail.
    let workerLog = FileManager.default.temporaryDirectory.appendingPathComponent("process-crash-\(UUID().uuidString).log")

    func startWorker(database: DatabaseURL) throws -> Process {
        try startCommerceWorker(["--processes"], environment: ["DATABASE_URL": database.urlString, "PAYMENT_GATEWAY": "sandbox", "LOG_LEVEL": "warning"], log: workerLog)
    }

    struct Shop: Sendable {
        let repository: AggregateRepository
        let metadata = EventMetadata(correlationID: UUID(), actor: "crash-test")

        func stock() async throws {
            let product = try ProductID("crash")
            _ = try await repository.execute(Product.self, .of("product", product), ifMatch: nil, metadata: metadata) { _ in
                .create(id: product, name: "Crash", description: "", categoryPath: ["Test"])
            }
            for sku in ProcessCrashTests.skus {
                _ = try await repository.execute(Product.self, .of("product", product), ifMatch: nil, metadata: metadata) { _ in .addVariant(sku: try SKU(sku), attributes: [:]) }
                _ = try await repository.execute(Inventory.self, .of("inventory", try SKU(sku)), ifMatch: nil, metadata: metadata) { _ in .receive(sku: try SKU(sku), quantity: 500) }
            }
        }

        /// A customer's cart with `quantity` of `sku`, checked out; the card approves or declines.
        func order(_ number: Int, sku: String, quantity: Int, approve: Bool) async throws -> OrderID {
            let cart = try CartID("cart-crash-\(number)")
            let customer = "customer-\(number % 4)"
            let stream = StreamName.of("cart", cart)
            let commands: [Cart.Command] = [
                .create(id: cart, owner: .customer(try CustomerID(customer)), currency: .EUR),
                .addItem(CartLine(sku: try SKU(sku), productId: try ProductID("crash"), name: "Crash", quantity: quantity, unitPrice: Money(1000, .EUR))),
                .setShippingAddress(Address(name: "A", line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE")),
                .setShippingMethod(method: "standard", pricing: .standard),
            ]
            for command in commands {
                _ = try await repository.execute(Cart.self, stream, ifMatch: nil, metadata: metadata) { _ in command }
            }
            let method = PaymentMethodToken(approve ? "pm_sandbox_approve_4242" : "pm_sandbox_decline_0002")
            let result = try await PlaceOrder(repository: repository, reservationLifetime: 900, promotions: PromotionPricing(repository: repository, directory: NoPromotionDirectory()))(
                cart: cart, by: Requester(id: customer, role: .customer), method: method, ifMatch: nil, metadata: metadata
            )
            return try OrderID(try #require(result.id))
        }
    }

    @Test("20 trials of SIGKILLs at random points, two instances running: every effect happened exactly once")
    func killedAtRandomPoints() async throws {
        try await withTestDatabase { client, database in
            let store = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            let repository = AggregateRepository(store: store, cacheCapacity: 1)
            let shop = Shop(repository: repository)
            try await shop.stock()
            let operations = RequestPaymentOperation(
                repository: repository,
                complete: CompletePaymentOperation(repository: repository, gateway: SandboxGateway(), logger: TestEnvironment.logger)
            )
            let orders = OrderCommand(repository: repository)
            let admin = Requester(id: "admin", role: .admin)
            var random = SystemRandomNumberGenerator()
            var placed: [OrderID] = []
            var workers = [try startWorker(database: database), try startWorker(database: database)]
            for trial in 0..<Self.trials {
                // A burst of customers' and admins' actions, whatever state each order has reached.
                for index in 0..<3 {
                    let number = trial * 3 + index
                    placed.append(try await shop.order(number, sku: Self.skus[number % 3], quantity: 1 + number % 3, approve: number % 7 != 3))
                }
                for order in placed.shuffled(using: &random).prefix(6) {
                    let state = try await repository.load(Order.self, .of("order", order)).state
                    let roll = Int.random(in: 0..<10, using: &random)
                    switch (state.status, roll) {
                    case (.placed, 0...1), (.paymentAuthorized, 0...1), (.paid, 0):
                        _ = try? await orders(.cancel(reason: "changed my mind"), order: order, by: admin, ifMatch: nil, metadata: shop.metadata)
                    case (.paymentAuthorized, _):
                        _ = try? await operations(.capture, payment: OrderPayments.paymentID(for: order), amount: nil, reason: nil, metadata: shop.metadata)
                    case (.paid, 1...5), (.partiallyFulfilled, _):
                        let line = try #require(state.lines.first)
                        let left = line.quantity - state.fulfilled[line.sku, default: 0]
                        let part = roll % 2 == 0 ? left : max(1, left - 1)
                        _ = try? await orders(.fulfil([LineQuantity(sku: line.sku, quantity: part)]), order: order, by: admin, ifMatch: nil, metadata: shop.metadata)
                    case (.fulfilled, _):
                        _ = try? await orders(.ship(carrier: "DHL", trackingNumber: "T\(trial)"), order: order, by: admin, ifMatch: nil, metadata: shop.metadata)
                    case (.shipped, _) where state.returned.isEmpty:
                        let line = try #require(state.lines.first)
                        let disposition: ReturnDisposition = roll % 2 == 0 ? .restock : .writeOff
                        _ = try? await orders(.recordReturn(lines: [ReturnLine(sku: line.sku, quantity: 1, disposition: disposition)], reason: "returned", refund: .amount(500)),
                                              order: order, by: admin, ifMatch: nil, metadata: shop.metadata)
                    default:
                        break
                    }
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...250, using: &random)))
                // Kill one of them, or both, at a random point.
                for index in workers.indices where trial % 3 == 0 || index == trial % 2 {
                    kill(workers[index].processIdentifier, SIGKILL)
                    workers[index].waitUntilExit()
                    workers[index] = try startWorker(database: database)
                }
            }
            // Let the last workers finish what is due, then check the log. Settled means nothing
            // wrong and nothing new for half a second: without the quiet, a payment answered
            // after a clean check could still cancel an order whose release the workers' stop
            // then cuts off. The check reads the whole log: twice a second, not to starve the
            // suites running beside this one.
            var previousHead = -1
            let deadline = ContinuousClock.now + .seconds(90)
            while ContinuousClock.now < deadline {
                let head = try await count("SELECT coalesce(max(global_position), 0) FROM events", client)
                if head == previousHead, try await Self.violations(store).isEmpty { break }
                previousHead = head
                try await Task.sleep(for: .milliseconds(500))
            }
            for worker in workers {
                worker.terminate()
                worker.waitUntilExit()
            }
            let violations = try await Self.violations(store)
            if !violations.isEmpty {
                let checkpoints = try await client.query("SELECT subscription_name || '=' || position FROM subscription_checkpoints ORDER BY 1").decode(String.self).collectAll()
                let failures = try await ProcessFailures(client: client, logger: TestEnvironment.logger).list().map { "\($0.process) \($0.stream) \($0.code) \($0.message)" }
                let head = try await count("SELECT max(global_position) FROM events", client)
                Issue.record("head \(head); checkpoints \(checkpoints); failures \(failures)")
                // The events of the orders named, with their positions, and what the workers logged.
                let orders = Set(violations.flatMap { $0.split(whereSeparator: { " /:".contains($0) }).filter { $0.hasPrefix("order_") }.map(String.init) })
                let history = try await readEverything(store).filter { event in orders.contains { event.data.contains($0) } }
                let lines = history.map { "\($0.position) \($0.stream) \($0.type) \($0.metadata.actor ?? "-")" }.joined(separator: "\n")
                Issue.record("events of \(orders.sorted()):\n\(lines)")
                let log = (try? String(contentsOf: workerLog, encoding: .utf8)) ?? ""
                Issue.record("worker log (last 60 lines):\n\(log.split(separator: "\n").suffix(60).joined(separator: "\n"))")
            }
            try? FileManager.default.removeItem(at: workerLog)
            #expect(violations.isEmpty, "\(violations.prefix(10))")
            let cancelled = try await count("SELECT count(*) FROM events WHERE event_type = 'OrderCancelled'", client)
            let committed = try await count("SELECT count(*) FROM events WHERE event_type = 'StockReservationCommitted'", client)
            #expect(cancelled > 0 && committed > 0, "the trials took the paths they are meant to test")
            TestEnvironment.logger.info("process crash trials", metadata: ["orders": "\(placed.count)", "cancelled": "\(cancelled)", "commits": "\(committed)"])
        }
    }

    /// What the log says is wrong, computed from the events alone (not from the aggregates' code).
    static func violations(_ store: PostgresEventStore) async throws -> [String] {
        let events = try await readEverything(store)
        func object(_ event: RecordedEvent) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] ?? [:]
        }
        func amount(_ value: Any?) -> Int64 { ((value as? [String: Any])?["amount"] as? NSNumber)?.int64Value ?? 0 }
        var problems: [String] = []
        var openReservations: [String: Int] = [:]  // "order/sku" -> quantity
        var committed: [String: Int] = [:]
        var fulfilled: [String: Int] = [:]
        var restockedByOrder: [String: Int] = [:]
        var restockPromised: [String: Int] = [:]
        var cancelledOrders: Set<String> = []
        var paymentStatus: [String: String] = [:]
        var captured: [String: Int64] = [:]
        var refunded: [String: Int64] = [:]
        var requested: Set<String> = []
        var completed: [String: Int] = [:]
        for event in events {
            let data = object(event)
            let order = data["orderId"] as? String ?? ""
            switch event.type {
            case "StockReserved":
                openReservations["\(order)/\(data["sku"]!)", default: 0] += (data["quantity"] as! NSNumber).intValue
            case "StockReservationReleased":
                openReservations["\(order)/\(data["sku"]!)"] = nil
            case "StockReservationCommitted":
                let key = "\(order)/\(data["sku"]!)"
                let quantity = (data["quantity"] as! NSNumber).intValue
                committed[key, default: 0] += quantity
                openReservations[key, default: 0] -= quantity
            case "OrderFulfilmentRecorded":
                for line in data["lines"] as! [[String: Any]] { fulfilled["\(order)/\(line["sku"]!)", default: 0] += (line["quantity"] as! NSNumber).intValue }
            case "OrderReturnRecorded":
                for line in data["lines"] as! [[String: Any]] where line["disposition"] as? String == "restock" {
                    restockPromised[order, default: 0] += (line["quantity"] as! NSNumber).intValue
                }
            case "StockAdjusted" where data["reason"] as? String == "returned":
                let note = data["note"] as? String ?? ""
                restockedByOrder[String(note.dropFirst("return of order ".count)), default: 0] += (data["delta"] as! NSNumber).intValue
            case "OrderCancelled":
                cancelledOrders.insert(order)
            case "PaymentAuthorized": paymentStatus[order] = "authorized"
            case "PaymentDeclined": paymentStatus[order] = "declined"
            case "PaymentVoided":
                if paymentStatus[order] == "voided" { problems.append("\(order): voided twice") }
                paymentStatus[order] = "voided"
                completed[data["operationId"] as? String ?? "-", default: 0] += 1
            case "PaymentCaptured":
                paymentStatus[order] = "captured"
                captured[order, default: 0] += amount(data["amount"])
                completed[data["operationId"] as? String ?? "-", default: 0] += 1
            case "PaymentRefunded":
                refunded[order, default: 0] += amount(data["amount"])
                completed[data["operationId"] as? String ?? "-", default: 0] += 1
            case "PaymentOperationRequested":
                let operation = data["operation"] as! [String: Any]
                requested.insert(operation["operationId"] as! String)
            default:
                break
            }
        }
        for (key, quantity) in openReservations where quantity > 0 && cancelledOrders.contains(String(key.split(separator: "/")[0])) {
            problems.append("cancelled \(key) still holds \(quantity)")
        }
        for (key, quantity) in openReservations where quantity < 0 { problems.append("\(key): committed more than reserved") }
        for (key, quantity) in fulfilled where committed[key, default: 0] != quantity {
            problems.append("\(key): fulfilled \(quantity), committed \(committed[key, default: 0])")
        }
        for (key, quantity) in committed where fulfilled[key] == nil { problems.append("\(key): committed \(quantity) without a fulfilment") }
        for (order, quantity) in restockPromised where restockedByOrder[order, default: 0] != quantity {
            problems.append("\(order): \(quantity) to restock, \(restockedByOrder[order, default: 0]) restocked")
        }
        for order in cancelledOrders {
            switch paymentStatus[order] {
            case "authorized": problems.append("cancelled \(order): authorization not voided")
            case "captured" where refunded[order, default: 0] != captured[order, default: 0]:
                problems.append("cancelled \(order): captured \(captured[order, default: 0]), refunded \(refunded[order, default: 0])")
            case nil: problems.append("cancelled \(order): payment never answered")
            default: break
            }
        }
        for operation in requested where completed[operation, default: 0] != 1 {
            problems.append("operation \(operation) completed \(completed[operation, default: 0]) times")
        }
        for (order, money) in refunded where money > captured[order, default: 0] { problems.append("\(order): refunded more than captured") }
        return problems
    }
}
