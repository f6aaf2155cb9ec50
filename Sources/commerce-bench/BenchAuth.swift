import API
import ArgumentParser
import Foundation
import HummingbirdBcrypt
import Logging
import Payments
import PostgresNIO
import Runtime

/// `commerce-bench auth`: sign-in latency through the HTTP API for a known address with a wrong
/// password, an unknown address, and the right password — the first two must not be told apart
/// by their timing — beside the floor, one bcrypt verification at the same cost in this process.
struct BenchAuth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Sign-in p50/p99 for known and unknown addresses (enumeration by timing) against one bcrypt verification."
    )

    @Option(help: "Seconds each load runs.")
    var seconds: Int = 5

    @Option(help: "bcrypt cost of the account's hash (the server's default is 11).")
    var cost: Int = 11

    func run() async throws {
        let settings = try Settings()
        var logger = settings.makeLogger(label: "bench")
        logger.logLevel = .error
        guard seconds > 0, (4...16).contains(cost) else { throw ValidationError("--seconds must be positive and --cost 4…16") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { throw ValidationError("wrk is missing: scripts/setup installs it") }
        try await withBenchDatabase(settings: settings, logger: logger) { url in
            try await PostgresClient.withClient(url, maximumConnections: 8, logger: logger) { client in
                try await bench(client: client, logger: logger)
            }
        }
    }

    private func bench(client: PostgresClient, logger: Logger) async throws {
        let email = "bench-known@example.com", password = "the right password"
        let hash = Bcrypt.hash(password, cost: UInt8(cost))
        try await client.query("INSERT INTO users (user_id, email, password_hash, role) VALUES ('u_bench', \(email), \(hash), 'customer')")
        // The floor: what every sign-in must spend, one bcrypt verification at this cost.
        var floor: [Double] = []
        for _ in 0..<20 {
            let start = ContinuousClock.now
            _ = Bcrypt.verify("a wrong password", hash: hash)
            floor.append((ContinuousClock.now - start).inSeconds * 1000)
        }
        floor.sort()

        let port = Int.random(in: 20000...40000)
        let secret = StartupChecks.randomSecret()
        // Limits lifted: the bench signs in thousands of times from one address, and a lockout
        // would answer in microseconds.
        let limits = AuthLimitSettings(loginsPerAddress: 10_000_000, failuresBeforeLock: 10_000_000)
        let app = buildApplication(
            configuration: APIConfiguration(port: port, tokenSecret: secret, bcryptCost: UInt8(cost), authLimits: limits),
            dependencies: APIDependencies(postgres: client, webhookSignature: WebhookSignature(secret: secret)),
            logger: logger
        )
        print("commerce-bench auth — POST /auth/login under wrk (1 connection), \(seconds) s per load, bcrypt cost \(cost); server in this process")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            try await Wrk.waitForServer(port: port)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-bench-auth-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var results: [(String, Wrk.Result)] = []
            for (label, login, secret) in [
                ("known address, wrong password", email, "a wrong password"),
                ("unknown address", "nobody-\(UUID().uuidString.prefix(6))@example.com", "a wrong password"),
                ("known address, right password", email, password),
            ] {
                let script = directory.appendingPathComponent("\(results.count).lua")
                try """
                    wrk.method = "POST"
                    wrk.headers["Content-Type"] = "application/json"
                    wrk.body = '{"email":"\(login)","password":"\(secret)"}'
                    wrk.path = "/auth/login"
                    """.write(to: script, atomically: true, encoding: .utf8)
                results.append((label, try await Wrk.run(["-t1", "-c1", "-d\(seconds)s", "-s", script.path, "http://127.0.0.1:\(port)"])))
            }
            let floorMedian = floor[floor.count / 2]
            print("")
            print(pad("sign-in", 34) + pad("req/s", 8, right: true) + pad("p50 ms", 9, right: true) + pad("p99 ms", 9, right: true) + pad("non-2xx", 9, right: true) + pad("p50/floor", 11, right: true))
            print(pad("floor: one bcrypt verification", 34) + pad("", 8) + pad(String(format: "%.2f", floorMedian), 9, right: true) + pad(String(format: "%.2f", floor[floor.count - 1]), 9, right: true))
            for (label, result) in results {
                print(pad(label, 34) + pad(format(result.requestsPerSecond), 8, right: true) + pad(String(format: "%.2f", result.p50), 9, right: true)
                    + pad(String(format: "%.2f", result.p99), 9, right: true) + pad("\(result.non2xx)", 9, right: true)
                    + pad(String(format: "%.2f×", result.p50 / floorMedian), 11, right: true))
            }
            let (known, unknown) = (results[0].1.p50, results[1].1.p50)
            print("")
            print(String(format: "unknown vs known address (wrong password): p50 differs by %.2f ms (%.1f %%)", unknown - known, (unknown - known) / known * 100))
            print("floor: \(floor.count) verifications in this process (max shown as p99). Wrong passwords answer 401 (non-2xx); a right one 200.")
        }
    }
}
