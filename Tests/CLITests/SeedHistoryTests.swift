import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("commerce seed --history")
struct SeedHistoryTests {
    static let processes = ["payment-authorization", "payment-operations", "order-cancellation", "fulfilment", "returns", "cart-activity", "order-deadlines", "wishlist-alerts"]

    @Test("writes the past once, with business times inside it, and moves the process managers past it")
    func writesThePastOnce() async throws {
        try await withTestDatabase { client, url in
            let environment = ["DATABASE_URL": url.urlString, "PAYMENT_GATEWAY": "sandbox", "LOG_LEVEL": "error"]
            let started = Date()
            let first = try await CommerceProcess.run(["seed", "--history", "--days", "6", "--customers", "30"], environment: environment, limit: .seconds(120))
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("demo history: ") && first.stdout.contains("over 6 days"), "\(first.stdout)")

            // Every history event carries its business time, all within the six days up to now.
            let (count, earliest, latest, last) = try await client.query(
                """
                SELECT count(*)::bigint, min((metadata->>'occurredAt')::timestamptz), max((metadata->>'occurredAt')::timestamptz), max(global_position)
                FROM events WHERE actor = 'synthetic-history'
                """
            ).decode((Int64, Date, Date, Int64).self).collectAll()[0]
            #expect(count > 500)
            let today = (started.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
            #expect(earliest.timeIntervalSince1970 >= today - 5 * 86_400 && latest <= Date())
            let unmarked = try await client.query("SELECT count(*)::bigint FROM events WHERE actor = 'synthetic-history' AND metadata->>'occurredAt' IS NULL")
                .decode(Int64.self).collectAll()[0]
            #expect(unmarked == 0)
            // The process managers start after it (the demo orders written later are theirs to handle).
            let checkpoints = try await client.query("SELECT subscription_name, position FROM subscription_checkpoints WHERE subscription_name LIKE 'process-%'")
                .decode((String, Int64).self).collectAll()
            #expect(Set(checkpoints.map(\.0)) == Set(Self.processes.map { "process-\($0)" }))
            #expect(checkpoints.allSatisfy { $0.1 == last })

            let again = try await CommerceProcess.run(["seed", "--history"], environment: environment)
            #expect(again.status == 0 && again.stdout.contains("demo history: loaded already"), "\(again.stdout)")
            let after = try await client.query("SELECT count(*)::bigint FROM events WHERE actor = 'synthetic-history'").decode(Int64.self).collectAll()[0]
            #expect(after == count)
        }
    }

    @Test("is refused where process managers have events still to handle")
    func refusedWhenProcessesAreBehind() async throws {
        try await withTestDatabase { client, url in
            let environment = ["DATABASE_URL": url.urlString, "PAYMENT_GATEWAY": "sandbox", "LOG_LEVEL": "error"]
            #expect(try await CommerceProcess.run(["seed"], environment: environment, limit: .seconds(120)).status == 0)
            let refused = try await CommerceProcess.run(["seed", "--history", "--days", "2"], environment: environment)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("have not reached position"), "\(refused.stderr)")
            let written = try await client.query("SELECT count(*)::bigint FROM events WHERE actor = 'synthetic-history'").decode(Int64.self).collectAll()[0]
            #expect(written == 0)
        }
    }
}
