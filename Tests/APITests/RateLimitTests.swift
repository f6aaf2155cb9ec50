import API
import Application
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Payments
import PostgresNIO
import Testing
import TestSupport

/// Request limits per client address and route class, shared by two servers on one database.
/// Both trust 127.0.0.1 as a proxy, so `X-Forwarded-For` plays the clients.
@Suite("Rate limits per client and route class, shared across servers")
struct RateLimitTests {
    /// A window so long that no test run crosses from one into the next.
    static let limits = RateLimitSettings(auth: 3, commands: 6, queries: 10, windowSeconds: 100_000_000)
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    @Test("a client gets exactly its limit from one server, then 429 rate_limited with Retry-After from both; classes and clients count apart; probes are never limited")
    func limitsAreSharedAcrossServers() async throws {
        try await withTwoServers { first, second, _ in
            let client: HTTPFields = [Self.forwardedFor: "203.0.113.7"]
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<13 { statuses.append(try await first.call(.get, "/catalog/products", headers: client).status) }
            #expect(statuses == Array(repeating: .ok, count: 10) + Array(repeating: .tooManyRequests, count: 3))

            let refused = try await second.call(.get, "/catalog/products", headers: client)
            #expect(refused.status == .tooManyRequests, "the other server sees the budget spent")
            #expect(refused.code == "rate_limited")
            #expect(refused.headers[.contentType] == "application/problem+json")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect((1...Self.limits.windowSeconds).contains(retryAfter))
            #expect(refused.integer("retryAfter") == Int64(retryAfter))

            #expect(try await second.call(.get, "/catalog/products", headers: [Self.forwardedFor: "203.0.113.8"]).status == .ok, "another client has a budget of its own")
            #expect(try await second.call(.post, "/carts", body: ["currency": "EUR"], headers: client).status == .created, "commands count apart from queries")
            for _ in 0..<3 { #expect(try await first.call(.get, "/health/live", headers: client).status == .ok) }
            #expect(try await first.call(.get, "/metrics", headers: client).status == .ok)
        }
    }

    @Test("twenty commands at once from one client, half to each server: no more than the limit gets through, the rest are 429s, and the servers leased the whole budget between them")
    func concurrentRequestsNeverExceedTheLimit() async throws {
        try await withTwoServers { first, second, postgres in
            let client: HTTPFields = [Self.forwardedFor: "198.51.100.20"]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<20 {
                    let server = index.isMultiple(of: 2) ? first : second
                    group.addTask {
                        try await server.onOwnConnection { api in try await api.call(.post, "/carts", body: ["currency": "EUR"], headers: client).status }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = statuses.filter { $0.code == 201 }.count
            #expect(statuses.count == 20 && statuses.allSatisfy { [201, 429].contains($0.code) }, "\(statuses)")
            #expect(created >= 1 && created <= Self.limits.commands, "\(created) created")
            let granted = try await postgres.query("SELECT granted FROM rate_limit_windows WHERE bucket = 'commands:198.51.100.20'").decode(Int.self).collectAll()
            #expect(granted == [Self.limits.commands])
            let carts = try await postgres.query("SELECT count(*)::int FROM events WHERE event_type = 'CartCreated'").decode(Int.self).collectAll()
            #expect(carts == [created], "every admitted command, and only those, did its work")
            let webhook = try await first.call(.post, "/webhooks/payments", body: ["unsigned": true], headers: client)
            #expect(webhook.status != .tooManyRequests && webhook.code != "rate_limited", "the payment provider's webhooks are not limited")
        }
    }

    @Test("sign-in attempts are limited as a class of their own")
    func authIsAClassOfItsOwn() async throws {
        try await withTwoServers { first, second, _ in
            let client: HTTPFields = [Self.forwardedFor: "192.0.2.44"]
            let body = ["email": "nobody@mail.example", "password": "not-the-password-1"]
            var statuses: [HTTPResponse.Status] = []
            for server in [first, second, first, second] { statuses.append(try await server.call(.post, "/auth/login", body: body, headers: client).status) }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
            #expect(try await first.call(.get, "/catalog/products", headers: client).status == .ok)
        }
    }

    /// Two API servers with ``limits`` on one fresh database.
    private func withTwoServers(_ body: @escaping @Sendable (APIClient, APIClient, PostgresClient) async throws -> Void) async throws {
        let configuration = APIConfiguration(port: 0, tokenSecret: APIClient.secret, bcryptCost: 4, authLimits: APIClient.oneAddressLimits,
                                             trustedProxies: try TrustedProxies("127.0.0.1"), rateLimits: Self.limits)
        try await withTwoAPIServers(configuration, body)
    }
}
