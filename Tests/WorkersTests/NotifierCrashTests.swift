@testable import Aggregates
import EventStore
import Foundation
import Kafka
import PostgresNIO
import Testing
import TestSupport
import Workers

/// `commerce worker --notifier` killed with SIGKILL while it plans and sends, again and again:
/// every order still gets its mails — placed, and then shipped, refunded or cancelled — and
/// each mail is one message (a resend after a crash keeps its Message-ID).
@Suite("Notifier killed with SIGKILL", .enabled(if: DedicatedBroker.binary != nil && TestEnvironment.commerceExecutable != nil))
struct NotifierCrashTests {
    static let orders = 300

    func startNotifier(database: DatabaseURL, broker: DedicatedBroker, smtp: DedicatedSMTPServer) throws -> Process {
        try startCommerceWorker(["--notifier"], environment: [
            "DATABASE_URL": database.urlString, "KAFKA_BROKERS": broker.bootstrapServers, "SMTP_URL": smtp.url,
            "JWT_SECRET": "a-notifier-crash-test-secret-32-bytes", "LOG_LEVEL": "error",
        ])
    }

    /// After each order's placement and payment: shipped, refunded or cancelled, by its number.
    static func followUp(_ index: Int) -> (event: OrderEvent, subject: String) {
        let order = try! OrderID("ord-\(index)")
        switch index % 3 {
        case 0: return (.shipped(OrderShipped(orderId: order, carrier: "DHL", trackingNumber: "T\(index)")), "Order ord-\(index) shipped")
        case 1: return (.refunded(OrderRefunded(orderId: order, amount: Money(500, .EUR), reason: "scratched", refundedTotal: Money(500, .EUR))), "Refund for order ord-\(index)")
        default: return (.cancelled(OrderCancelled(orderId: order, reason: "out of stock", cause: .admin, refundDue: Money(0, .EUR))), "Order ord-\(index) cancelled")
        }
    }

    @Test("ten SIGKILLs while mails are planned and sent: every order's placed, shipped, refunded or cancelled mail arrives, each once")
    func killedMidBatch() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        let smtp = try DedicatedSMTPServer()
        try await smtp.start()
        try await withTestDatabase { client, database in
            let store = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            // Orders of one signed-in customer (the samples' cust-1), who has an account.
            try await appendCatalogAndOrders(store, products: Self.orders)
            for index in 0..<Self.orders {
                let encoded = EventCodec.encode(Self.followUp(index).event)
                try await store.append([NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json)],
                                       to: try StreamName("order-ord-\(index)"), expectedVersion: .exact(2))
            }
            let address = "crash-\(UUID().uuidString.prefix(8).lowercased())@mail.example"
            try await client.query("INSERT INTO users (user_id, email, password_hash, role) VALUES ('cust-1', \(address), 'x', 'customer')")
            let progress: @Sendable () async -> Int = {
                (try? await count("SELECT (SELECT count(*) FROM mail_outbox) + (SELECT count(*) FROM mail_outbox WHERE status = 'sent')", client)) ?? 0
            }
            var relayConfiguration = EventRelay.Configuration()
            relayConfiguration.partitions = 3
            let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
            let relay = EventRelay(store: store, configuration: relayConfiguration, logger: TestEnvironment.logger) {
                try KafkaProducer(configuration: kafka, logger: TestEnvironment.logger)
            }
            var killedAt: [Int] = []
            try await withServices([StoreNotifications(store: store), relay]) {
                for _ in 0..<10 {
                    let before = await progress()
                    let notifier = try startNotifier(database: database, broker: broker, smtp: smtp)
                    // Killed while it works: once it has made progress, after a random moment more.
                    try? await waitUntil(timeout: .seconds(60), interval: .milliseconds(10)) { await progress() > before }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...150)))
                    kill(notifier.processIdentifier, SIGKILL)
                    notifier.waitUntilExit()
                    killedAt.append(await progress())
                }
                let notifier = try startNotifier(database: database, broker: broker, smtp: smtp)
                defer { notifier.terminate(); notifier.waitUntilExit() }
                try await waitUntil(timeout: .seconds(180), interval: .milliseconds(250)) {
                    (try? await count("SELECT count(*) FROM mail_outbox WHERE status = 'sent'", client)) == 2 * Self.orders
                }
            }
            TestEnvironment.logger.info("notifier crash test", metadata: ["killedAt": "\(killedAt) of \(4 * Self.orders)"])
            #expect(killedAt.filter { $0 > 0 && $0 < 4 * Self.orders }.count >= 5, "most kills landed mid-way: \(killedAt)")

            // Independently of the notifier: a subject per order placed, and one per follow-up.
            let expected = Set((0..<Self.orders).flatMap { ["Your order ord-\($0)", Self.followUp($0).subject] })
            let received = smtp.mailbox.messages(to: address)
            #expect(Set(received.map(\.subject)) == expected, "every order got its mail")
            let messageIDs = Dictionary(grouping: received, by: \.subject).mapValues { Set($0.map(\.messageID)) }
            #expect(messageIDs.values.allSatisfy { $0.count == 1 }, "a mail sent again after a crash is the same message")
            #expect(received.count >= 2 * Self.orders)
            #expect(try await count("SELECT count(*) FROM mail_outbox", client) == 2 * Self.orders)
        }
        smtp.stop()
        await broker.stop()
    }
}
