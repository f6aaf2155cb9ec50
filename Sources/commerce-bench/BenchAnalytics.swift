import API
import Aggregates
import Application
import ArgumentParser
import EventStore
import Foundation
import Hummingbird
import Logging
import Payments
import PostgresNIO
import Projections
import Runtime

/// `commerce-bench analytics`: a year of synthetic shop history (at least `--events` events),
/// the analytics read model rebuilt from it beside the rate of merely reading those events, then
/// each report endpoint's latency under wrk (one connection) beside the server's health check.
struct BenchAnalytics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Analytics rebuild events/s against reading the same events, and each report's p50/p99 against the HTTP floor."
    )

    @Option(help: "Events of history, at least.")
    var events: Int = 1_000_000

    @Option(help: "Seconds each endpoint is loaded.")
    var seconds: Int = 5

    @Option(help: "Keep the history in this database and reuse it on later runs (loaded when empty) instead of a throwaway one.")
    var database: String?

    enum Part: String, ExpressibleByArgument, CaseIterable {
        case all, rebuild, reports
    }

    @Option(help: "What to measure: all, rebuild or reports (reports need the read model built, e.g. by an earlier run with --database).")
    var part: Part = .all

    func run() async throws {
        let settings = try Settings()
        var logger = settings.makeLogger(label: "bench")
        logger.logLevel = .error
        guard events > 0, seconds > 0 else { throw ValidationError("--events and --seconds must be positive") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { throw ValidationError("wrk is missing: scripts/setup installs it") }
        print("commerce-bench analytics — history, rebuild and report latency on this machine")
        try await withBenchHistory(database: database, events: events, connections: 12, settings: settings, logger: logger) { store, _ in
            print("")
            if part != .reports {
                try await measureRebuild(store: store, logger: logger)
                print("")
            }
            if part != .rebuild {
                try await measureEndpoints(client: store.client, logger: logger)
            }
        }
    }

    private func measureRebuild(store: PostgresEventStore, logger: Logger) async throws {
        let projection = AnalyticsProjection()
        let floor = try await RebuildFloor.measure(projection, store: store)
        let (history, read, readSeconds) = (floor.history, floor.read, floor.seconds)
        let report = try await ProjectionRebuilder(store: store, logger: logger).rebuild(projection)
        let rate = Double(history) / report.seconds
        print(pad("rebuild (events of history per second)", 40) + pad("events", 10, right: true) + pad("read", 10, right: true)
            + pad("seconds", 9, right: true) + pad("events/s", 11, right: true) + pad("of reading", 12, right: true))
        print(pad("reading what a rebuild reads (the floor)", 40) + pad("\(history)", 10, right: true) + pad("\(read)", 10, right: true)
            + pad(String(format: "%.1f", readSeconds), 9, right: true) + pad(format(Double(history) / readSeconds), 11, right: true))
        print(pad("analytics rebuild", 40) + pad("\(history)", 10, right: true) + pad("\(report.events)", 10, right: true)
            + pad(String(format: "%.1f", report.seconds), 9, right: true) + pad(format(rate), 11, right: true)
            + pad(String(format: "%.0f %%", readSeconds / report.seconds * 100), 12, right: true))
        print(String(format: "bulk phase: reading %.2f s, folding %.2f s, writing %.2f s; the rest (cluster, swap, vacuum) %.2f s; target 100k events/s",
                     report.reading.inSeconds, report.folding.inSeconds, report.writing.inSeconds,
                     report.seconds - (report.reading + report.folding + report.writing).inSeconds))
    }

    private func measureEndpoints(client: PostgresClient, logger: Logger) async throws {
        let secret = StartupChecks.randomSecret()
        let token = AccessTokens(secret: secret, lifetime: 3600).issue(for: Principal(userID: "bench-admin", role: .admin))
        let port = Int.random(in: 20000...40000)
        let app = buildApplication(
            configuration: APIConfiguration(port: port, tokenSecret: secret, bcryptCost: 4),
            dependencies: APIDependencies(postgres: client, webhookSignature: WebhookSignature(secret: secret)),
            logger: logger
        )
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let to = formatter.string(from: Date())
        let from = formatter.string(from: Date().addingTimeInterval(-364 * 86_400))
        let year = "from=\(from)&to=\(to)&tz=Europe/Berlin"
        let loads: [(String, String)] = [
            ("health check (the HTTP floor)", "/health/live"),
            ("sales per day, a year", "/admin/analytics/sales?\(year)&granularity=day"),
            ("sales per month, a year", "/admin/analytics/sales?\(year)&granularity=month"),
            ("top products, a year", "/admin/analytics/products/top?\(year)&by=revenue&limit=10"),
            ("top products, 30 days, a category", "/admin/analytics/products/top?tz=Europe/Berlin&category=Apparel"),
            ("funnel, a year", "/admin/analytics/funnel?\(year)"),
            ("abandoned carts, a year", "/admin/analytics/abandoned-carts?\(year)"),
            ("customers, a year", "/admin/analytics/customers?\(year)"),
            ("customers, 30 days", "/admin/analytics/customers?tz=Europe/Berlin"),
            ("low stock", "/admin/inventory/low-stock"),
            ("sales per day, a year, CSV", "/admin/analytics/sales?\(year)&format=csv"),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            try await Wrk.waitForServer(port: port)
            print(pad("endpoint (wrk, 1 connection, \(seconds) s)", 40) + pad("req/s", 10, right: true) + pad("p50 ms", 9, right: true)
                + pad("p99 ms", 9, right: true) + pad("non-2xx", 9, right: true) + pad("p99/50 ms", 11, right: true))
            for (label, path) in loads {
                // Unmeasured first: the first requests open pool connections and read the tables into the cache.
                _ = try await Wrk.run(["-t1", "-c1", "-d1s", "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)\(path)"])
                let result = try await Wrk.run(["-t1", "-c1", "-d\(seconds)s", "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)\(path)"])
                print(pad(label, 40) + pad(format(result.requestsPerSecond), 10, right: true) + pad(String(format: "%.2f", result.p50), 9, right: true)
                    + pad(String(format: "%.2f", result.p99), 9, right: true) + pad("\(result.non2xx)", 9, right: true)
                    + pad(String(format: "%.0f %%", result.p99 / 50 * 100), 11, right: true))
            }
        }
        print("target: p99 < 50 ms for every report; the health check is what HTTP alone costs here.")
    }
}
