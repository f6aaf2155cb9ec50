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

    @Test("the demo catalog gives each product a placeholder image: a PNG that Python's zlib reads back, stored under its SHA-256")
    func demoImages() async throws {
        try await withTestDatabase { client, url in
            let images = FileManager.default.temporaryDirectory.appendingPathComponent("seed-images-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: images) }
            let environment = ["DATABASE_URL": url.urlString, "PAYMENT_GATEWAY": "sandbox", "LOG_LEVEL": "error", "IMAGE_DIRECTORY": images.path]
            #expect(try await CommerceProcess.run(["seed"], environment: environment, limit: .seconds(120)).status == 0)
            let added = try await client.query(
                "SELECT stream_name, data::jsonb #>> '{image,imageId}' FROM events WHERE event_type = 'ProductImageAdded' ORDER BY stream_name"
            ).decode((String, String).self).collectAll()
            let products = try await client.query("SELECT count(DISTINCT stream_name)::int FROM events WHERE stream_category = 'product'").decode(Int.self).collectAll()[0]
            #expect(added.count == products && products > 0, "one image per demo product")
            for (_, imageId) in added {
                let file = images.appendingPathComponent("\(imageId).png")
                // Python checks the PNG on its own: every chunk's CRC, the zlib stream, the pixel count, and the file's SHA-256.
                let check = Process()
                check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
                check.arguments = ["-c", """
                    import hashlib, struct, sys, zlib
                    data = open(sys.argv[1], 'rb').read()
                    assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
                    pos, idat = 8, b''
                    while pos < len(data):
                        (length,) = struct.unpack('>I', data[pos:pos + 4]); kind = data[pos + 4:pos + 8]; body = data[pos + 8:pos + 8 + length]
                        assert struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
                        if kind == b'IHDR': width, height = struct.unpack('>II', body[:8])
                        if kind == b'IDAT': idat += body
                        pos += 12 + length
                    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
                    assert hashlib.sha256(data).hexdigest() == sys.argv[2]
                    """, file.path, imageId]
                try check.run()
                check.waitUntilExit()
                #expect(check.terminationStatus == 0, "\(file.lastPathComponent) is not a valid PNG with that hash")
            }
        }
    }
}
