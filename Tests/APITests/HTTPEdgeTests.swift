import Aggregates
import API
import Application
import EventStore
import Foundation
import HTTPTypes
import Testing
import TestSupport

/// What every answer carries and what the edge answers itself: request ids, security headers,
/// CORS for configured origins, 405 with Allow.
@Suite("HTTP edge: request ids, security headers, CORS, 405")
struct HTTPEdgeTests {
    static let shop = "https://shop.example.com"
    let requestID = HTTPField.Name("X-Request-Id")!

    @Test("every answer, problems included, carries nosniff, no-referrer, DENY framing and a request id; a caller's id is echoed when it is one")
    func securityHeadersAndRequestIDs() async throws {
        try await withAPI(hstsMaxAge: 31_536_000) { api, _ in
            for answer in [try await api.call(.get, "/health/live"), try await api.call(.get, "/nothing-here"), try await api.call(.get, "/catalog/products")] {
                #expect(answer.headers[.xContentTypeOptions] == "nosniff")
                #expect(answer.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(answer.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(answer.headers[.strictTransportSecurity] == "max-age=31536000")
                let id = try #require(answer.headers[requestID])
                #expect(UUID(uuidString: id) != nil, "a new id when the caller sent none: \(id)")
            }
            let echoed = try await api.call(.get, "/health/live", headers: [requestID: "checkout-42.a_b"])
            #expect(echoed.headers[requestID] == "checkout-42.a_b")
            let refused = try await api.call(.get, "/health/live", headers: [requestID: "two words\u{7F}"])
            #expect(refused.headers[requestID] != "two words\u{7F}" && UUID(uuidString: refused.headers[requestID] ?? "") != nil, "an id unfit for headers and logs is replaced")
        }
    }

    @Test("answers to a caller with credentials are not to be stored; anonymous ones keep their own caching")
    func noStoreForCredentials() async throws {
        try await withAPI { api, _ in
            let (token, _) = try await api.register("edge-\(UUID().uuidString.prefix(8).lowercased())@mail.example")
            #expect(try await api.call(.get, "/customers/me", token: token).headers[.cacheControl] == "no-store")
            #expect(try await api.call(.get, "/customers/me").headers[.cacheControl] == nil, "a 401 to a caller without credentials")
            let guest = try await api.call(.post, "/carts", body: ["currency": "EUR"])
            let cart = guest.string("id")
            let guestToken = try #require(guest.headers[HTTPField.Name("Guest-Token")!])
            #expect(try await api.call(.get, "/carts/\(cart)", headers: [HTTPField.Name("Guest-Token")!: guestToken]).headers[.cacheControl] == "no-store")
        }
    }

    @Test("a configured origin's preflight is answered with the path's methods and the headers it may send; others get no CORS headers")
    func cors() async throws {
        try await withAPI(corsAllowedOrigins: [Self.shop]) { api, _ in
            let preflight = try await api.call(.options, "/carts/cart_1/lines", headers: [.origin: Self.shop, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == Self.shop)
            #expect(preflight.headers[.accessControlAllowMethods] == "POST")
            let allowed = Set((preflight.headers[.accessControlAllowHeaders] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            #expect(allowed.isSuperset(of: ["authorization", "content-type", "idempotency-key", "if-match", "guest-token"]))
            #expect(preflight.headers[.vary]?.contains("Origin") == true)

            let simple = try await api.call(.get, "/catalog/products", headers: [.origin: Self.shop])
            #expect(simple.headers[.accessControlAllowOrigin] == Self.shop)
            #expect(simple.headers[.accessControlExposeHeaders]?.contains("X-Request-Id") == true)

            let stranger = try await api.call(.options, "/carts/cart_1/lines", headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"])
            #expect(stranger.headers[.accessControlAllowOrigin] == nil)
            #expect(try await api.call(.get, "/catalog/products", headers: [.origin: "https://evil.example"]).headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("a known path asked with another method gets 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await withAPI { api, _ in
            let wrong = try await api.call(.delete, "/catalog/products")
            #expect(wrong.status == .methodNotAllowed && wrong.code == "method_not_allowed")
            #expect(wrong.headers[.allow] == "GET")
            #expect(wrong.headers[.contentType] == "application/problem+json")
            let captured = try await api.call(.patch, "/carts/cart_123/lines/SKU-1")
            #expect(captured.status == .methodNotAllowed)
            #expect(Set((captured.headers[.allow] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) == ["DELETE", "PUT"], "\(captured.headers[.allow] ?? "")")
            #expect(try await api.call(.get, "/nothing-here").code == "route_not_found")
            #expect(try await api.call(.get, "/carts/a/b/c/d").code == "route_not_found")
        }
    }

    @Test("X-Forwarded-For names the client only behind a trusted proxy, read from the right: a client cannot claim an address through an untrusted hop")
    func trustedProxies() async throws {
        let proxies = try TrustedProxies("127.0.0.1, 10.0.0.0/8, fd00::/8")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.9"]) == "198.51.100.9")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.9, 10.1.2.3"]) == "198.51.100.9", "through two trusted hops")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["1.2.3.4", "198.51.100.9, 203.0.113.5"]) == "203.0.113.5",
                "203.0.113.5 is not a proxy of ours: whatever it forwarded for is hearsay")
        #expect(proxies.client(peer: "192.0.2.1", forwardedFor: ["198.51.100.9"]) == "192.0.2.1", "a peer we do not trust keeps its own address")
        #expect(proxies.client(peer: "fd00::7", forwardedFor: ["2001:db8::1"]) == "2001:db8::1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["not-an-address"]) == "127.0.0.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        #expect(!proxies.trusts("11.0.0.1") && proxies.trusts("10.255.255.255") && !proxies.trusts("fe00::1"))
        let half = try TrustedProxies("192.168.1.128/25")
        #expect(half.trusts("192.168.1.200") && !half.trusts("192.168.1.100"))

        @Sendable func sessionAddress(_ api: APIClient, forwardedFor: String) async throws -> String? {
            let email = "proxied-\(UUID().uuidString.prefix(6))@example.com"
            let (token, _) = try await api.register(email)
            _ = token
            let login = try await api.call(.post, "/auth/login", body: ["email": email, "password": "correct horse battery"],
                                           headers: [HTTPField.Name("X-Forwarded-For")!: forwardedFor])
            let sessions = try await api.call(.get, "/auth/sessions", token: login.string("accessToken"))
            let list = (sessions["sessions"] as? [any Sendable])?.compactMap { $0 as? [String: any Sendable] } ?? []
            return list.first { flag($0["current"]) == true }?["address"] as? String
        }
        try await withAPI(trustedProxies: proxies) { api, _ in
            let forwarded = try await sessionAddress(api, forwardedFor: "198.51.100.9")
            let spoofed = try await sessionAddress(api, forwardedFor: "198.51.100.9, 203.0.113.5")
            #expect(forwarded == "198.51.100.9")
            #expect(spoofed == "203.0.113.5")
        }
        try await withAPI { api, _ in
            let ignored = try await sessionAddress(api, forwardedFor: "198.51.100.9")
            #expect(ignored == "127.0.0.1", "no trusted proxy configured: the header is ignored")
        }
    }

    @Test("a handler still running at its route's deadline is stopped: 503 request_timeout; a wait within it answers as before")
    func requestTimeout() async throws {
        // 3 s: well past the 200 ms wait below however loaded the machine, well short of 8 s.
        let limits = RequestLimits(standard: .init(bodyBytes: 64 * 1024, timeout: .seconds(3)))
        try await withAPI(requestLimits: limits) { api, postgres in
            // The product's event goes straight to the store: through the API its command would
            // be under the same deadline, which a loaded machine has missed. No projector runs
            // here, so the catalog never reaches the event.
            let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
            let position = try await store.append(
                [AggregateRepository.newEvent(ProductEvent.created(ProductCreated.sample), EventMetadata(actor: "test"))],
                to: .of("product", ProductCreated.sample.productId), expectedVersion: .noStream
            ).lastPosition
            #expect(position > 0)
            let stopped = try await api.call(.get, "/catalog/products?minPosition=\(position)&waitMs=8000")
            #expect(stopped.status == .serviceUnavailable && stopped.code == "request_timeout", "\(stopped.status) \(stopped.code ?? "")")
            #expect(stopped.headers[.retryAfter] == "1")
            let lagging = try await api.call(.get, "/catalog/products?minPosition=\(position)&waitMs=200")
            #expect(lagging.status == .serviceUnavailable && lagging.code == "read_model_lagging")
            #expect(try await api.call(.get, "/health/live").status == .ok, "the server goes on serving")
        }
    }

    @Test("body limits per route: 8 KiB on /auth, 64 KiB elsewhere; a declared length over the limit is refused before reading")
    func bodyLimitsPerRoute() async throws {
        try await withAPI { api, _ in
            let padding = String(repeating: "a", count: 9 * 1024)
            let login = try await api.call(.post, "/auth/login", body: ["email": "\(padding)@mail.example", "password": "a-password-1"])
            #expect(login.status == .contentTooLarge && login.code == "body_too_large")
            let cart = try await api.call(.post, "/carts", body: ["currency": padding])
            #expect(cart.status != .contentTooLarge && cart.code != "body_too_large", "9 KiB is within the limit of commands: the currency itself is refused (\(cart.status))")
            let huge = try await api.call(.post, "/carts", body: ["currency": String(repeating: "a", count: 70 * 1024)])
            #expect(huge.status == .contentTooLarge && huge.code == "body_too_large")
        }
    }
}
