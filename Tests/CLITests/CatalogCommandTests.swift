import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("commerce catalog import and export")
struct CatalogCommandTests {
    @Test("import checks every row (a bad file: each problem by line, exit 1, nothing written), writes once, reports progress; export writes the file back")
    func importAndExport() async throws {
        try await withTestDatabase { client, url in
            let environment = ["DATABASE_URL": url.urlString, "LOG_LEVEL": "error"]
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let header = "product_id,name,category,brand,status,sku,price:EUR,attribute:colour"
            let rows = (0..<30).map { "cli-\($0),Lamp \($0),Home/Lighting,Lumen,published,LAMP-\($0),\(20 + $0).50,white" }
            var bad = rows
            bad[4] = bad[4].replacingOccurrences(of: ",published,", with: ",gone,")
            bad[20] = bad[20].replacingOccurrences(of: ",40.50,", with: ",-1,")
            let badFile = directory.appendingPathComponent("bad.csv")
            try ([header] + bad).joined(separator: "\n").write(to: badFile, atomically: true, encoding: .utf8)
            let refused = try await CommerceProcess.run(["catalog", "import", badFile.path], environment: environment)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("bad.csv:6 (status): "), "\(refused.stderr)")
            #expect(refused.stderr.contains("bad.csv:22 (price:EUR): "), "\(refused.stderr)")
            #expect(refused.stderr.contains("2 problems in"), "\(refused.stderr)")
            let none = try await client.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]
            #expect(none == 0)

            let goodFile = directory.appendingPathComponent("good.csv")
            try ([header] + rows).joined(separator: "\n").write(to: goodFile, atomically: true, encoding: .utf8)
            let dry = try await CommerceProcess.run(["catalog", "import", "--dry-run", goodFile.path], environment: environment)
            #expect(dry.status == 0 && dry.stdout.contains("30 new, 0 changed, 0 unchanged; would write 120 events"), "\(dry.stdout) \(dry.stderr)")
            let imported = try await CommerceProcess.run(["catalog", "import", goodFile.path], environment: environment)
            // Each lamp: created, a variant, a price, published.
            #expect(imported.status == 0 && imported.stdout.contains("30 rows, 30 products: 30 new, 0 changed, 0 unchanged; wrote 120 events"), "\(imported.stdout)")
            #expect(imported.stderr.contains("30 of 30 products checked") || imported.stderr.contains("30/30 products checked"), "\(imported.stderr)")
            let again = try await CommerceProcess.run(["catalog", "import", goodFile.path], environment: environment)
            #expect(again.stdout.contains("0 new, 0 changed, 30 unchanged; wrote 0 events"), "\(again.stdout)")

            let exported = directory.appendingPathComponent("export.csv")
            let export = try await CommerceProcess.run(["catalog", "export", "--output", exported.path], environment: environment)
            #expect(export.status == 0, "\(export.stderr)")
            let lines = try String(contentsOf: exported, encoding: .utf8).split(separator: "\r\n")
            #expect(lines.first == "product_id,name,description,category,brand,status,sku,price:EUR,attribute:colour")
            #expect(lines.count == 31)
            #expect(lines.contains("cli-7,Lamp 7,,Home/Lighting,Lumen,published,LAMP-7,27.50,white"))
            let reimported = try await CommerceProcess.run(["catalog", "import", exported.path], environment: environment)
            #expect(reimported.stdout.contains("30 unchanged; wrote 0 events"), "\(reimported.stdout)")
        }
    }
}
