import ArgumentParser
import Crypto
import EventStore
import Foundation
import Logging
import PostgresNIO
import Runtime

/// `commerce-bench audit`: `commerce audit verify` over a year of synthetic history (at least
/// `--events` events) beside its two floors measured in the same run: PostgreSQL handing the
/// columns it reads, in binary as it reads them, to `psql` (COPY to /dev/null), and SHA-256 over as many bytes
/// in this process. Then the export, and the stand-alone Python verifier over it.
struct BenchAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Hash-chain verification events/s beside reading the hashed fields with psql and SHA-256 alone; export and Python verification."
    )

    @Option(help: "Events of history, at least.")
    var events: Int = 1_000_000

    @Option(help: "Keep the history in this database and reuse it on later runs (loaded when empty) instead of a throwaway one.")
    var database: String?

    func run() async throws {
        let settings = try Settings()
        var logger = settings.makeLogger(label: "bench")
        logger.logLevel = .error
        guard events > 0 else { throw ValidationError("--events must be positive") }
        print("commerce-bench audit — verifying the hash chains on this machine")
        try await withBenchHistory(database: database, events: events, connections: 4, settings: settings, logger: logger) { store, url in
            try await measure(store: store, url: url, scripts: settings.migrationsDirectory.appendingPathComponent("../../scripts").standardizedFileURL)
        }
    }

    private func measure(store: PostgresEventStore, url: DatabaseURL, scripts: URL) async throws {
        let clock = ContinuousClock()
        let sizes = try await store.client.query(
            "SELECT count(*)::bigint, sum(octet_length(data::text) + octet_length(metadata::text) + 200)::bigint FROM events"
        ).decode((Int64, Int64).self).collectAll()[0]
        let (count, bytes) = (Int(sizes.0), Int(sizes.1))

        // Floor 1: the database producing every hashed field, read by psql and thrown away.
        let copyStart = clock.now
        try runPSQL(url: url, sql: "COPY (SELECT \(PostgresEventStore.auditColumns) FROM events ORDER BY global_position) TO STDOUT (FORMAT binary)")
        let copySeconds = (clock.now - copyStart).inSeconds

        // Floor 2: SHA-256 over as many bytes, in events of the average size, chained.
        let average = max(64, bytes / max(count, 1))
        let chunk = [UInt8](repeating: 0x61, count: average)
        var previous = [UInt8](repeating: 0, count: 32)
        let hashStart = clock.now
        for _ in 0..<count {
            var hasher = SHA256()
            hasher.update(data: previous)
            hasher.update(data: chunk)
            previous = Array(hasher.finalize())
        }
        let hashSeconds = (clock.now - hashStart).inSeconds

        let verifyStart = clock.now
        let result = try await store.verify(scope: .everything)
        let verifySeconds = (clock.now - verifyStart).inSeconds
        guard result.isIntact else { throw ValidationError("the history does not verify: \(result.firstBrokenLink.map(String.init(describing:)) ?? "")") }

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-bench-audit-\(UUID().uuidString).ndjson")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        let exportStart = clock.now
        let exported = try await store.exportAudit(.everything) { try handle.write(contentsOf: $0) }
        try handle.close()
        let exportSeconds = (clock.now - exportStart).inSeconds
        let python = ProcessInfo.processInfo.environment["COMMERCE_PYTHON"] ?? "/usr/bin/python3"
        let script = scripts.appendingPathComponent("verify_export.py").path
        let pythonStart = clock.now
        let pythonOK = (try? runProcess(python, [script, file.path])) == 0
        let pythonSeconds = (clock.now - pythonStart).inSeconds

        print("")
        print(pad("hash chains of \(count) events (~\(average) bytes hashed each)", 52) + pad("seconds", 9, right: true) + pad("events/s", 11, right: true) + pad("of psql", 10, right: true))
        print(pad("floor: psql COPY of the columns read (binary)", 52) + pad(String(format: "%.2f", copySeconds), 9, right: true) + pad(format(Double(count) / copySeconds), 11, right: true))
        print(pad("floor: SHA-256 alone over the same bytes", 52) + pad(String(format: "%.2f", hashSeconds), 9, right: true) + pad(format(Double(count) / hashSeconds), 11, right: true))
        print(pad("commerce audit verify (target 200k events/s)", 52) + pad(String(format: "%.2f", verifySeconds), 9, right: true)
            + pad(format(Double(result.eventsChecked) / verifySeconds), 11, right: true)
            + pad(String(format: "%.0f %%", copySeconds / verifySeconds * 100), 10, right: true))
        print(pad("commerce audit export (NDJSON to a file)", 52) + pad(String(format: "%.2f", exportSeconds), 9, right: true) + pad(format(Double(exported.events) / exportSeconds), 11, right: true))
        print(pad("scripts/verify_export.py on that file\(pythonOK ? "" : " (FAILED)")", 52) + pad(String(format: "%.2f", pythonSeconds), 9, right: true) + pad(format(Double(exported.events) / pythonSeconds), 11, right: true))
    }

    private func runPSQL(url: DatabaseURL, sql: String) throws {
        var environment = ProcessInfo.processInfo.environment
        if let password = url.password { environment["PGPASSWORD"] = password }
        let status = try runProcess("/usr/bin/env", ["psql", "-X", "-q", "-h", url.host, "-p", "\(url.port)", "-U", url.username, "-d", url.database, "-o", "/dev/null", "-c", sql], environment: environment)
        guard status == 0 else { throw ValidationError("psql failed (status \(status))") }
    }

    private func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
