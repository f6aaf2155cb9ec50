import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PostgresNIO
import Testing
import TestSupport

/// `/metrics` of a real `commerce serve` after a scripted workload, parsed by prometheus-client's
/// parser (PyPI); every figure checked against what the test sent or counts in the database.
@Suite("Metrics", .enabled(if: ProcessInfo.processInfo.environment["COMMERCE_PYTHON"] != nil))
struct MetricsTests {
    struct Sample: Decodable {
        let name: String
        let labels: [String: String]
        let value: Double
        let type: String
    }

    static func call(_ port: Int, _ method: String, _ path: String, token: String? = nil, json: String? = nil) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("after a scripted workload /metrics parses as Prometheus text; its request counters, histograms, appends, positions and lags equal what was sent and stored")
    func workload() async throws {
        try await withTestDatabase { client, url in
            let admin = try await CommerceProcess.run(
                ["users", "create-admin", "--email", "metrics-admin@example.com", "--password", "metrics-admin-password"], environment: ["DATABASE_URL": url.urlString]
            )
            #expect(admin.status == 0, "\(admin.stderr)")
            let port = try closedPort()
            let process = try CommerceProcess.server(port: port, database: url)
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(60), interval: .milliseconds(200)) { (try? await Self.call(port, "GET", "/health/live").status) == 200 }

            let login = try await Self.call(port, "POST", "/auth/login", json: #"{"email": "metrics-admin@example.com", "password": "metrics-admin-password"}"#)
            let token = try #require((try JSONSerialization.jsonObject(with: Data(login.body.utf8)) as? [String: Any])?["accessToken"] as? String)
            for index in 0..<3 {
                let created = try await Self.call(port, "POST", "/admin/products", token: token,
                                                  json: #"{"productId": "metric-\#(index)", "name": "Metric \#(index)", "description": "", "categoryPath": []}"#)
                #expect(created.status == 201, "\(created.body)")
            }
            #expect(try await Self.call(port, "POST", "/admin/products", token: token, json: #"{"productId": "metric-0", "name": "Again", "description": "", "categoryPath": []}"#).status == 409)
            for _ in 0..<5 { #expect(try await Self.call(port, "GET", "/catalog/products").status == 200) }
            for _ in 0..<2 { #expect(try await Self.call(port, "GET", "/catalog/products/missing").status == 404) }

            let scrape = try await Self.call(port, "GET", "/metrics")
            #expect(scrape.status == 200)
            let input = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
            try Data(scrape.body.utf8).write(to: input)
            defer { try? FileManager.default.removeItem(at: input) }
            let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/parse_metrics.py").path
            let parsed = try runExternalProcess("/bin/sh", ["-c", "\"$0\" \"$1\" < \"$2\"", pythonExecutable, script, input.path])
            #expect(parsed.status == 0, "\(parsed.errors)\n\(scrape.body)")
            let samples = try JSONDecoder().decode([Sample].self, from: Data(parsed.output.utf8))
            func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
                samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
            }

            // Requests, by route template, method and the status the client got.
            #expect(value("commerce_http_requests_total", ["route": "/catalog/products", "method": "GET", "status": "200"]) == 5)
            #expect(value("commerce_http_requests_total", ["route": "/catalog/products/{productId}", "method": "GET", "status": "404"]) == 2)
            #expect(value("commerce_http_requests_total", ["route": "/admin/products", "method": "POST", "status": "201"]) == 3)
            #expect(value("commerce_http_requests_total", ["route": "/admin/products", "method": "POST", "status": "409"]) == 1)
            #expect(value("commerce_http_requests_total", ["route": "/auth/login", "method": "POST", "status": "200"]) == 1)
            #expect(value("commerce_http_request_duration_seconds_count", ["route": "/catalog/products", "method": "GET", "status": "200"]) == 5)
            #expect(value("commerce_http_request_duration_seconds_bucket", ["route": "/catalog/products", "method": "GET", "status": "200", "le": "+Inf"]) == 5)

            // Appends, and the store's figures read at the scrape, against the database.
            let stored = try await client.query("SELECT count(*)::bigint, coalesce(max(global_position), 0) FROM events").decode((Int64, Int64).self).collectAll()[0]
            let catalogEvents = try await client.query("SELECT count(*)::bigint FROM events WHERE stream_category IN ('product', 'inventory')").decode(Int64.self).collectAll()[0]
            #expect(stored.0 == 3 && catalogEvents == 3)
            #expect(value("commerce_events_appended_total") == Double(stored.0))
            #expect(value("commerce_appends_total") == 3)
            #expect(value("commerce_append_duration_seconds_count") == 3)
            #expect(value("commerce_store_head_position") == Double(stored.1))
            #expect(value("commerce_store_safe_position") == Double(stored.1))
            #expect(value("commerce_store_frontier_blocked_seconds") == 0)
            // --no-workers: no relay and no projector ran.
            #expect(value("commerce_relay_position") == 0 && value("commerce_relay_lag_events") == Double(stored.1))
            #expect(value("commerce_read_model_lag_events", ["read_model": "catalog"]) == Double(catalogEvents))
            #expect(value("commerce_read_model_lag_events", ["read_model": "reviews"]) == 0)
            #expect(value("commerce_parked_events", ["read_model": "catalog"]) == 0)
            #expect(value("commerce_build_info")  == 1)
            #expect(!scrape.body.contains(token), "no token in the metrics")
        }
    }

    @Test("with METRICS_PORT, serve answers /metrics on that port only, with its pool's connections; a worker given one serves its own")
    func metricsPort() async throws {
        try await withTestDatabase { _, url in
            let port = try closedPort(), metricsPort = try closedPort()
            let server = try CommerceProcess.server(port: port, database: url, environment: ["METRICS_PORT": "\(metricsPort)"])
            try server.run()
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(60), interval: .milliseconds(200)) { (try? await Self.call(metricsPort, "GET", "/metrics").status) == 200 }
            #expect(try await Self.call(port, "GET", "/metrics").status == 404, "the API's port no longer serves it")
            #expect(try await Self.call(port, "GET", "/catalog/products").status == 200)
            let scrape = try await Self.call(metricsPort, "GET", "/metrics").body
            let lines = scrape.split(separator: "\n").map(String.init)
            #expect(lines.contains("commerce_postgres_pool_max_connections 20.0"), "\(scrape)")
            let inUse = try #require(lines.first { $0.hasPrefix("commerce_postgres_connections{state=\"in_use\"} ") }.flatMap { Double($0.split(separator: " ").last!) })
            #expect(inUse >= 1, "the scrape's own statement runs on one")
            #expect(lines.contains { $0.hasPrefix("commerce_http_requests{") && $0.contains("route=\"/catalog/products\"") }, "the API's requests are counted there")
            #expect(try await Self.call(metricsPort, "GET", "/catalog/products").status == 404, "the metrics port answers /metrics only")

            let workerPort = try closedPort()
            let worker = try startCommerceWorker(["--relay"], environment: [
                "DATABASE_URL": url.urlString, "KAFKA_TOPIC_PREFIX": TestEnvironment.uniqueName("metrics"), "METRICS_PORT": "\(workerPort)",
            ])
            defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(60), interval: .milliseconds(200)) { (try? await Self.call(workerPort, "GET", "/metrics").status) == 200 }
            let workerScrape = try await Self.call(workerPort, "GET", "/metrics").body
            #expect(workerScrape.contains("commerce_relay_lag_events") && workerScrape.contains("commerce_build_info"))
        }
    }
}
