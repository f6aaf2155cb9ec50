import Foundation
import NIOCore
import Testing
@testable import Notifications

/// What the webhook side decides on its own: which addresses are public, which endpoint
/// registrations are refused and why, and when a failed delivery is tried again.
@Suite("Webhooks: SSRF guard, endpoint rules, retry schedule")
struct WebhookRulesTests {
    @Test("loopback, private, link-local, CGNAT, multicast and reserved addresses are refused; public ones pass, also inside IPv6")
    func addressGuard() throws {
        let refused = [
            "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
            "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.10",
            "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2001:db8::1",
        ]
        let allowed = ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]
        for address in refused {
            #expect(!AddressGuard.isPublic(try SocketAddress(ipAddress: address, port: 443)), "\(address) must be refused")
        }
        for address in allowed {
            #expect(AddressGuard.isPublic(try SocketAddress(ipAddress: address, port: 443)), "\(address) must pass")
        }
    }

    func draft(url: String = "https://hooks.example.com/commerce", types: [String] = ["OrderPlaced"], secret: String? = String(repeating: "s", count: 32)) -> WebhookEndpoint.Draft {
        WebhookEndpoint.Draft(url: url, eventTypes: types, secret: secret, description: nil)
    }

    @Test("a registration is refused naming its field: bad URLs, local and private hosts, unknown or repeated types, short secrets")
    func endpointRules() throws {
        let cases: [(WebhookEndpoint.Draft, String)] = [
            (draft(url: "ftp://hooks.example.com/x"), "url"),
            (draft(url: "hooks.example.com/x"), "url"),
            (draft(url: "https://"), "url"),
            (draft(url: "https://user:pw@hooks.example.com/"), "url"),
            (draft(url: "https://hooks.example.com/#frag"), "url"),
            (draft(url: "http://localhost:8080/hook"), "url"),
            (draft(url: "http://127.0.0.1/hook"), "url"),
            (draft(url: "http://[::1]:9000/hook"), "url"),
            (draft(url: "http://169.254.169.254/latest/meta-data"), "url"),
            (draft(url: "https://10.0.0.7/hook"), "url"),
            (draft(url: "https://example.com/" + String(repeating: "a", count: 2100)), "url"),
            (draft(types: []), "eventTypes"),
            (draft(types: ["OrderPlaced", "NoSuchEvent"]), "eventTypes"),
            (draft(types: ["OrderPlaced", "OrderPlaced"]), "eventTypes"),
            (draft(secret: "too-short"), "secret"),
            (draft(secret: String(repeating: "x", count: 31)), "secret"),
            (draft(secret: String(repeating: "x", count: 30) + "  x"), "secret"),
        ]
        for (draft, field) in cases {
            #expect(throws: WebhookEndpoint.Invalid.self, "\(draft.url) \(draft.eventTypes) \(draft.secret ?? "")") {
                _ = try draft.validated(allowPrivateAddresses: false)
            }
            do {
                _ = try draft.validated(allowPrivateAddresses: false)
            } catch {
                #expect(error.field == field, "\(draft.url): \(error.message)")
            }
        }
        let accepted = try draft(types: ["*"], secret: nil).validated(allowPrivateAddresses: false)
        #expect((accepted.secret?.count ?? 0) >= 32, "a secret is generated when none is given")
        #expect(try draft(url: "http://127.0.0.1:9000/hook").validated(allowPrivateAddresses: true).url == "http://127.0.0.1:9000/hook", "development may allow loopback")
    }

    @Test("failed deliveries wait 10 s doubling to 1 h (jitter: half to all of it), and die once the next try would pass 24 h")
    func schedule() {
        let schedule = WebhookSchedule()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        // Without jitter, the waits are 10, 20, 40 … s, capped at 3600 s.
        var now = start
        var attempts = 1
        var waits: [TimeInterval] = []
        while let next = schedule.nextAttempt(afterAttempt: attempts, firstAttemptAt: start, now: now, jitter: 1) {
            waits.append(next.timeIntervalSince(now))
            now = next
            attempts += 1
        }
        #expect(Array(waits.prefix(6)) == [10, 20, 40, 80, 160, 320])
        #expect(waits.dropFirst(9).allSatisfy { $0 == 3600 })
        // 10 + 20 + … + 2560 = 5110 s in the first nine waits, then hours until the 24 h are spent.
        let expectedHours = Int((86_400 - 5110) / 3600)
        #expect(waits.count == 9 + expectedHours)
        #expect(now.timeIntervalSince(start) <= 86_400)
        #expect(now.timeIntervalSince(start) + 3600 > 86_400, "the next wait would have passed the deadline")
        // Jitter shortens a wait to no less than half.
        let jittered = schedule.nextAttempt(afterAttempt: 3, firstAttemptAt: start, now: start, jitter: 0.5)
        #expect(jittered == start.addingTimeInterval(20))
    }

    @Test("a URL is taken apart into what is connected to and asked for")
    func urlParts() throws {
        let plain = try #require(WebhookURL("http://hooks.example.com:8080/in?x=1"))
        #expect(!plain.isHTTPS && plain.host == "hooks.example.com" && plain.port == 8080 && plain.pathAndQuery == "/in?x=1")
        #expect(plain.hostHeader == "hooks.example.com:8080")
        let secure = try #require(WebhookURL("https://hooks.example.com"))
        #expect(secure.isHTTPS && secure.port == 443 && secure.pathAndQuery == "/" && secure.hostHeader == "hooks.example.com")
        let literal = try #require(WebhookURL("http://[2606:4700::1111]:81/x"))
        #expect(literal.host == "2606:4700::1111" && literal.isIPLiteral && literal.hostHeader == "[2606:4700::1111]:81")
    }
}
