import Foundation
import PostgresNIO
import Testing
import TestSupport

/// The audit and replay commands as an operator runs them, on a seeded history.
@Suite("commerce audit and commerce replay")
struct AuditCommandTests {
    @Test("anchor, verify, export, state, side-by-side read model, Kafka replay and erasure through the CLI; a removed stream fails verify --anchor")
    func auditAndReplay() async throws {
        try await withTestDatabase { client, url in
            let environment = ["DATABASE_URL": url.urlString, "PAYMENT_GATEWAY": "sandbox", "LOG_LEVEL": "error"]
            func commerce(_ arguments: String...) async throws -> CommerceProcess.Outcome {
                try await CommerceProcess.run(arguments, environment: environment, limit: .seconds(120))
            }
            #expect(try await commerce("seed", "--history", "--days", "3", "--customers", "12").status == 0)

            let anchored = try await commerce("audit", "anchor")
            #expect(anchored.status == 0, "\(anchored.stderr)")
            let anchor = try #require(anchored.stdout.split(separator: "\n").first { $0.hasPrefix("anchor: ") }?.dropFirst("anchor: ".count)).description
            let verified = try await commerce("audit", "verify", "--anchor", anchor)
            #expect(verified.status == 0 && verified.stdout.contains("every hash chain holds") && verified.stdout.contains("holds: every stream's head"), "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stderr.contains("verifying:"), "plain progress lines when not on a terminal")

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("cli-export-\(UUID().uuidString).ndjson")
            defer { try? FileManager.default.removeItem(at: file) }
            #expect(try await commerce("audit", "export", "--out", file.path).status == 0)
            let python = try runExternalProcess(pythonExecutable, [TestEnvironment.repositoryRoot.appendingPathComponent("scripts/verify_export.py").path, file.path, "--anchor", anchor])
            #expect(python.status == 0, "\(python.output)\(python.errors)")

            // A customer's checked-out cart, as of the anchor and once the customer is erased.
            let (order, cart, customer) = try #require(try await client.query(
                "SELECT stream_name, 'cart-' || (data->>'cartId'), data->'customer'->>'id' FROM events WHERE event_type = 'OrderPlaced' AND data->'customer'->>'kind' = 'customer' ORDER BY global_position LIMIT 1"
            ).decode((String, String, String).self).collectAll().first)
            let state = try await commerce("replay", "state", cart, "--as-of", anchor.split(separator: ":")[0].description)
            let replayed = try #require(try JSONSerialization.jsonObject(with: Data(state.stdout.utf8)) as? [String: Any])
            let address = try #require((replayed["state"] as? [String: Any])?["shippingAddress"] as? [String: Any])
            #expect(address["name"] as? String != "[erased]" && (address["name"] as? String)?.hasPrefix("enc:") == false)
            let erased = try await commerce("audit", "erase", "--customer", customer)
            #expect(erased.status == 0 && erased.stdout.contains("1 key(s) deleted"), "\(erased.stdout)\(erased.stderr)")
            let after = try await commerce("replay", "state", cart)
            #expect(after.stdout.contains(#""name":"[erased]""#))
            #expect(try await commerce("audit", "verify").status == 0, "erasure leaves the chains intact")

            // A read model side by side: nothing projected live here, so every row differs; then it is swapped in.
            #expect(try await commerce("replay", "projection", "order-history", "--into", "audit_side").status == 0)
            let diff = try await commerce("replay", "diff", "order-history", "audit_side", "--samples", "1")
            #expect(diff.status == 1 && diff.stdout.contains("order_history: 0 row(s) only live"), "\(diff.stdout)\(diff.stderr)")
            #expect(try await commerce("replay", "diff", "order-history", "audit_side", "--swap").status == 0, "swapped: done")
            let orders = try await client.query("SELECT count(*)::int FROM order_history").decode(Int.self).collectAll()[0]
            let placed = try await client.query("SELECT count(*)::int FROM events WHERE event_type = 'OrderPlaced'").decode(Int.self).collectAll()[0]
            #expect(orders == placed && orders > 0)

            let prefix = TestEnvironment.uniqueName("cli").replacingOccurrences(of: "_", with: "")
            let republished = try await commerce("replay", "kafka", "--from-position", "1", "--to-position", "50", "--topic-prefix", prefix)
            #expect(republished.status == 0 && republished.stdout.contains("republished 50 events up to position 50"), "\(republished.stdout)\(republished.stderr)")

            // A stream removed by someone bypassing the trigger: the anchor names it, the exit status says so.
            try await client.query("ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete")
            try await client.query("DELETE FROM events WHERE stream_name = \(order)")
            try await client.query("ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete")
            let tampered = try await commerce("audit", "verify", "--anchor", anchor)
            #expect(tampered.status == 1 && tampered.stdout.contains("\(order): stream removed"), "\(tampered.stdout)")
        }
    }
}
