import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// Two `commerce serve` processes on one database: failed sign-ins counted on either lock the
/// account on both, because the count lives in PostgreSQL, not in a process.
@Suite("Account lockout across server processes")
struct LockoutAcrossServersTests {
    @Test("the sixth sign-in after five failures spread over two server processes is refused on both, right password or not")
    func sixthSignInIsLockedEverywhere() async throws {
        try await withTestDatabase { _, url in
            let ports = [try closedPort(), try closedPort()]
            let environment = [
                "DATABASE_URL": url.urlString, "KAFKA_BROKERS": TestEnvironment.kafkaBrokers, "KAFKA_TOPIC_PREFIX": TestEnvironment.uniqueName("lockout"),
                "PAYMENT_GATEWAY": "sandbox", "JWT_SECRET": "a-lockout-test-secret-of-32-bytes!", "LOG_LEVEL": "error", "SMTP_URL": "",
            ]
            let servers = try ports.map { port in
                let process = Process()
                process.executableURL = try #require(TestEnvironment.commerceExecutable)
                process.arguments = ["serve", "--no-workers"]
                process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["PORT": "\(port)"]) { $1 }) { $1 }
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
            defer { for server in servers where server.isRunning { server.terminate(); server.waitUntilExit() } }
            for port in ports {
                try await waitUntil(timeout: .seconds(60), interval: .milliseconds(200)) { (try? await Self.post(port, "/health/live", nil).status) == 200 }
            }
            let right = #"{"email":"two-servers@example.com","password":"correct horse battery"}"#
            let wrong = #"{"email":"two-servers@example.com","password":"not the password"}"#
            #expect(try await Self.post(ports[0], "/auth/register", right).status == 202)
            #expect(try await Self.post(ports[1], "/auth/login", right).status == 200)
            for attempt in 0..<5 {
                let answer = try await Self.post(ports[attempt % 2], "/auth/login", wrong)
                #expect(answer.status == 401, "attempt \(attempt + 1): \(answer.body)")
            }
            for port in ports {
                let locked = try await Self.post(port, "/auth/login", right)
                #expect(locked.status == 429, "\(locked.body)")
                #expect(locked.body.contains("account_locked"))
            }
        }
    }

    static func post(_ port: Int, _ path: String, _ json: String?) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = json == nil ? "GET" : "POST"
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
