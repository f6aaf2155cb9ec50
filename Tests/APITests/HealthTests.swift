import API
import EventStore
import Hummingbird
import Foundation
import HummingbirdTesting
import Kafka
import Payments
import PostgresNIO
import Testing
import TestSupport

@Suite("Health endpoints")
struct HealthTests {
    struct Report: Decodable {
        struct Component: Decodable { let status: String; let error: String? }
        let status: String
        let down: [String]
        let checks: [String: Component]
    }

    func makeApp(databaseURL: DatabaseURL) throws -> (some ApplicationProtocol, KafkaProducer) {
        let postgres = PostgresClient(configuration: databaseURL.clientConfiguration(), backgroundLogger: TestEnvironment.logger)
        let kafka = try KafkaProducer(configuration: .init(bootstrapServers: TestEnvironment.kafkaBrokers), logger: TestEnvironment.logger)
        let app = buildApplication(
            configuration: .init(port: 0, tokenSecret: Array(repeating: 7, count: 32)),
            dependencies: APIDependencies(
                postgres: postgres,
                readinessChecks: [ReadinessCheck(name: "kafka") { _ = try await kafka.metadata(timeout: .seconds(2)) }],
                services: [postgres],
                webhookSignature: WebhookSignature(secret: Array(repeating: 9, count: 32))
            ),
            logger: TestEnvironment.logger
        )
        return (app, kafka)
    }

    @Test("live answers 200; ready answers 200 with Postgres and Kafka up")
    func readyWhenEverythingIsUp() async throws {
        let (app, kafka) = try makeApp(databaseURL: TestEnvironment.databaseURL)
        try await app.test(.router) { client in
            // The pool's first connection made before asking: on a machine busy with the other
            // tests, making it can take longer than the check's 2 s, which is not what this asks.
            try await waitUntil(timeout: .seconds(30), interval: .milliseconds(200)) {
                (try? await client.execute(uri: "/health/ready", method: .get))?.status == .ok
            }
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                let report = try JSONDecoder().decode(Report.self, from: Data(buffer: response.body))
                #expect(report.status == "up")
                #expect(report.checks["postgres"]?.status == "up")
                #expect(report.checks["kafka"]?.status == "up")
            }
        }
        await kafka.close()
    }

    @Test("ready answers 503 naming Postgres when Postgres is not there")
    func notReadyWithoutPostgres() async throws {
        let stopped = TestEnvironment.databaseURL.with(port: try closedPort())
        let (app, kafka) = try makeApp(databaseURL: stopped)
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let report = try JSONDecoder().decode(Report.self, from: Data(buffer: response.body))
                #expect(report.status == "down")
                #expect(report.down == ["postgres"])
                #expect(report.checks["postgres"]?.status == "down")
                #expect(report.checks["kafka"]?.status == "up")
            }
        }
        await kafka.close()
    }
}

extension DatabaseURL {
    func with(port: Int) -> DatabaseURL {
        var copy = self
        copy.port = port
        return copy
    }
}
