import ArgumentParser
import EventStore
import Foundation

/// pgbench, PostgreSQL's own load generator (it comes with the server package): the strongest
/// baseline for a write path — C clients sending one prepared statement per transaction, with
/// nothing of ours in between. Runs as its own process, so it shares the cores with the server
/// as our benchmark process does.
struct PgBench {
    let executable: URL
    let database: DatabaseURL

    /// `pgbench` on the PATH or under /usr/lib/postgresql/*/bin; nil when it is missing.
    static func locate() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        var candidates = path.split(separator: ":").map { "\($0)/pgbench" }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin/pgbench" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map { URL(fileURLWithPath: $0) }
    }

    /// What one run measured: its transactions per second, without the time spent connecting,
    /// and pgbench's own CPU time per transaction.
    struct Run {
        let transactionsPerSecond: Double
        let cpuMicrosecondsPerTransaction: Double
    }

    /// Runs `script` (pgbench's script language: SQL, with `:client_id` the client's number) with
    /// `clients` connections, `transactions` each, prepared statements, no vacuum.
    ///
    /// A count, not a duration (`-T`): pgbench ends a timed run on SIGALRM, which a process
    /// started from one of our threads inherits blocked.
    func run(script: String, clients: Int, transactions: Int) async throws -> Run {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-pgbench-\(UUID().uuidString.prefix(8)).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var environment = ProcessInfo.processInfo.environment
        if let password = database.password { environment["PGPASSWORD"] = password }
        // pgbench is the only child that ends meanwhile: the children's CPU time grows by its own.
        let cpuAtStart = CPUTime.ofEndedChildren()
        let finished = try await ChildProcess.run(executable, [
            "-n", "-M", "prepared", "-c", "\(clients)", "-j", "\(min(clients, ProcessInfo.processInfo.activeProcessorCount))",
            "-t", "\(transactions)", "-f", file.path,
            "-h", database.host, "-p", "\(database.port)", "-U", database.username, database.database,
        ], environment: environment)
        let cpu = CPUTime.ofEndedChildren().seconds - cpuAtStart.seconds
        guard finished.status == 0,
              let line = finished.output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
              let tps = line.split(separator: " ").dropFirst(2).first.flatMap({ Double($0) })
        else {
            throw ValidationError("pgbench failed (status \(finished.status)): \(finished.errors.prefix(500))")
        }
        // `-t` counts per client.
        return Run(transactionsPerSecond: tps, cpuMicrosecondsPerTransaction: cpu * 1_000_000 / Double(clients * transactions))
    }
}
