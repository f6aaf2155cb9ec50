import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Payments
import PostgresNIO
import Testing
import TestSupport

@testable import API

/// The leaks issue 15 names, closed: idempotency never stores tokens and answers no one before
/// authentication, its keys expire, sign-in costs the same bcrypt work for unknown addresses,
/// registration is limited, and failed sign-ins lock an account on every server.
@Suite("Sign-in and registration: limits, lockout, and what idempotency keeps")
struct AuthHardeningTests {
    static let key = HTTPField.Name("Idempotency-Key")!

    @Test("answers to /auth/… are never stored, whatever Idempotency-Key they carry")
    func authAnswersAreNotStored() async throws {
        try await withAPI { api, postgres in
            let registered = try await api.call(.post, "/auth/register", body: ["email": "keys@example.com", "password": "correct horse battery"], headers: [Self.key: "k-1"])
            #expect(registered.status == .accepted)
            let login = try await api.call(.post, "/auth/login", body: ["email": "keys@example.com", "password": "correct horse battery"], headers: [Self.key: "k-1"])
            #expect(login.status == .ok)
            let again = try await api.call(.post, "/auth/login", body: ["email": "keys@example.com", "password": "correct horse battery"], headers: [Self.key: "k-1"])
            #expect(again.status == .ok)
            #expect(again.headers[.init("Idempotent-Replayed")!] == nil)
            #expect(again.string("refreshToken") != login.string("refreshToken"), "a fresh sign-in, not a replay")
            let refreshed = try await api.call(.post, "/auth/refresh", body: ["refreshToken": login.string("refreshToken")], headers: [Self.key: "k-1"])
            #expect(refreshed.status == .ok)
            let kept = try await postgres.query("SELECT count(*)::int FROM idempotency_keys").decode(Int.self).collectAll()[0]
            #expect(kept == 0)
        }
    }

    @Test("without a token, commands for customers and admins are 401 whatever their Idempotency-Key, and no key is claimed")
    func authenticationComesFirst() async throws {
        try await withAPI { api, postgres in
            let calls: [(HTTPRequest.Method, String, [String: any Sendable], [String: any Sendable])] = [
                (.post, "/carts/cart_x/checkout", ["cardNumber": "4242424242424242"], ["cardNumber": "4000000000000002"]),
                (.post, "/orders/ord_x/cancel", ["reason": "one"], ["reason": "another"]),
                (.post, "/carts/cart_x/merge", ["guestCartId": "cart_a", "guestToken": "t"], ["guestCartId": "cart_b", "guestToken": "t"]),
                (.post, "/admin/products", ["name": "A"], ["name": "B"]),
            ]
            for (method, path, first, second) in calls {
                for body in [first, second, first] {
                    let answer = try await api.call(method, path, body: body, headers: [Self.key: "same-key"])
                    #expect(answer.status == .unauthorized, "\(path)")
                    #expect(answer.code == "unauthenticated", "\(path)")
                }
            }
            let kept = try await postgres.query("SELECT count(*)::int FROM idempotency_keys").decode(Int.self).collectAll()[0]
            #expect(kept == 0)
        }
    }

    @Test("an Idempotency-Key is forgotten after a day; one whose request never answered is taken over; housekeeping deletes what expired")
    func keysExpire() async throws {
        try await withAPI { api, postgres in
            let (customer, userID) = try await api.register("expiry@example.com")
            let first = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"], headers: [Self.key: "day-old"])
            #expect(first.status == .created)
            let reused = try await api.call(.post, "/carts", token: customer, body: ["currency": "USD"], headers: [Self.key: "day-old"])
            #expect(reused.code == "idempotency_key_reused")
            try await postgres.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'day-old'")
            let afterADay = try await api.call(.post, "/carts", token: customer, body: ["currency": "USD"], headers: [Self.key: "day-old"])
            #expect(afterADay.status == .created)
            #expect(afterADay.string("id") != first.string("id"))

            // Claims whose request never answered (as a server that stopped mid-request leaves
            // them): one just made, whose request may still be running, and one from long ago.
            var lost: [String: String] = [:]
            for (key, age) in [("running", "1 second"), ("abandoned", "10 minutes")] {
                lost[key] = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"], headers: [Self.key: key]).string("id")
                try await postgres.query(PostgresQuery(unsafeSQL: """
                    UPDATE idempotency_keys SET status = NULL, response_body = NULL, created_at = now() - interval '\(age)'
                    WHERE principal = '\(userID)' AND key = '\(key)'
                    """))
            }
            let running = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"], headers: [Self.key: "running"])
            #expect(running.status == .conflict)
            #expect(running.code == "idempotency_key_in_progress")
            let takenOver = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"], headers: [Self.key: "abandoned"])
            #expect(takenOver.status == .created)
            #expect(takenOver.string("id") != lost["abandoned"], "run again")
            let replayed = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"], headers: [Self.key: "abandoned"])
            #expect(replayed.string("id") == takenOver.string("id"))
            #expect(replayed.headers[.init("Idempotent-Replayed")!] == "true")

            // Expired rows of every kind beside live ones; a sweep takes exactly the expired.
            try await postgres.query("""
                INSERT INTO idempotency_keys (principal, key, request_hash, created_at) VALUES ('someone', 'old', '\\x00', now() - interval '2 days');
                """)
            try await postgres.query("""
                INSERT INTO auth_attempts (bucket, window_start, attempts) VALUES ('login-address:old', now() - interval '3 hours', 4), ('login-address:new', now(), 1)
                """)
            try await postgres.query("""
                INSERT INTO account_lockouts (email, failures, last_failed_at, locked_until)
                VALUES ('ended@example.com', 5, now() - interval '1 hour', now() - interval '40 minutes'),
                       ('locked@example.com', 5, now(), now() + interval '15 minutes')
                """)
            // A token spent two days ago, one expired two days ago, one spent now; a mail sent 40
            // days ago, one sent now, one pending for 40 days (still being retried: kept; its next
            // try is tomorrow, so this server's mail sender leaves it alone meanwhile).
            let user = try await postgres.query("SELECT user_id FROM users LIMIT 1").decode(String.self).collectAll()[0]
            try await postgres.query("""
                INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at, used_at) VALUES
                    ('\\x01', \(user), 'reset_password', now(), now() - interval '2 days'),
                    ('\\x02', \(user), 'verify_email', now() - interval '2 days', NULL),
                    ('\\x03', \(user), 'verify_email', now() + interval '1 day', now())
                """)
            try await postgres.query("""
                INSERT INTO mail_outbox (mail_id, kind, recipient, status, created_at, next_attempt_at) VALUES
                    (gen_random_uuid(), 'verify_email', 'a@example.com', 'sent', now() - interval '40 days', now()),
                    (gen_random_uuid(), 'verify_email', 'b@example.com', 'sent', now(), now()),
                    (gen_random_uuid(), 'verify_email', 'c@example.com', 'pending', now() - interval '40 days', now() + interval '1 day')
                """)
            let keysBefore = try await postgres.query("SELECT count(*)::int FROM idempotency_keys").decode(Int.self).collectAll()[0]
            let removed = try await AuthHousekeeping(client: postgres, logger: TestEnvironment.logger).sweep()
            #expect(removed == 6)
            #expect(try await postgres.query("SELECT encode(token_hash, 'hex') FROM account_tokens WHERE length(token_hash) = 1").decode(String.self).collectAll() == ["03"])
            #expect(try await postgres.query("SELECT recipient FROM mail_outbox WHERE recipient IN ('a@example.com', 'b@example.com', 'c@example.com') ORDER BY 1").decode(String.self).collectAll() == ["b@example.com", "c@example.com"])
            let keysAfter = try await postgres.query("SELECT count(*)::int FROM idempotency_keys").decode(Int.self).collectAll()[0]
            #expect(keysAfter == keysBefore - 1)
            #expect(try await postgres.query("SELECT bucket FROM auth_attempts WHERE bucket IN ('login-address:old', 'login-address:new')").decode(String.self).collectAll() == ["login-address:new"])
            #expect(try await postgres.query("SELECT email FROM account_lockouts").decode(String.self).collectAll() == ["locked@example.com"])
        }
    }

    @Test("registrations from one address are limited: past the limit 429 with Retry-After, and no account is made")
    func registrationIsLimited() async throws {
        try await withAPI(authLimits: AuthLimitSettings(registrationsPerAddress: 3)) { api, postgres in
            for index in 0..<3 {
                #expect(try await api.call(.post, "/auth/register", body: ["email": "r\(index)@example.com", "password": "correct horse battery"]).status == .accepted)
            }
            let refused = try await api.call(.post, "/auth/register", body: ["email": "r3@example.com", "password": "correct horse battery"])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.code == "too_many_attempts")
            let retry = Int(refused.headers[.retryAfter] ?? "") ?? 0
            #expect(retry > 0 && retry <= 3600)
            let users = try await postgres.query("SELECT count(*)::int FROM users").decode(Int.self).collectAll()[0]
            #expect(users == 3)
        }
    }

    @Test("five failed sign-ins lock the account on every server of the database, right password or not, unknown addresses alike, until the lock ends")
    func failedSignInsLockTheAccount() async throws {
        try await withTestDatabase(maximumConnections: 20) { postgres, _ in
            @Sendable func server() -> some ApplicationProtocol {
                buildApplication(
                    configuration: .init(port: 0, tokenSecret: APIClient.secret, bcryptCost: 4, authLimits: APIClient.oneAddressLimits),
                    dependencies: APIDependencies(postgres: postgres, webhookSignature: WebhookSignature(secret: APIClient.webhookSecret)),
                    logger: TestEnvironment.logger
                )
            }
            try await server().test(.live) { first in
                try await server().test(.live) { second in
                    let servers = [APIClient(client: first), APIClient(client: second)]
                    let right = ["email": "lock@example.com", "password": "correct horse battery"]
                    let wrong = ["email": "lock@example.com", "password": "not the password"]
                    #expect(try await servers[0].call(.post, "/auth/register", body: right).status == .accepted)
                    for attempt in 0..<5 {
                        let answer = try await servers[attempt % 2].call(.post, "/auth/login", body: wrong)
                        #expect(answer.code == "invalid_credentials", "attempt \(attempt + 1)")
                    }
                    for server in servers {
                        let locked = try await server.call(.post, "/auth/login", body: right)
                        #expect(locked.status == .tooManyRequests)
                        #expect(locked.code == "account_locked")
                        #expect((Int(locked.headers[.retryAfter] ?? "") ?? 0) > 0)
                    }
                    // An address without an account locks the same way: the lock tells nothing.
                    for attempt in 0..<5 {
                        let answer = try await servers[attempt % 2].call(.post, "/auth/login", body: ["email": "nobody@example.com", "password": "any password at all"])
                        #expect(answer.code == "invalid_credentials")
                    }
                    #expect(try await servers[1].call(.post, "/auth/login", body: ["email": "nobody@example.com", "password": "x"]).code == "account_locked")

                    try await postgres.query("UPDATE account_lockouts SET locked_until = now() - interval '1 second' WHERE email = 'lock@example.com'")
                    #expect(try await servers[1].call(.post, "/auth/login", body: right).status == .ok)
                    let left = try await postgres.query("SELECT count(*)::int FROM account_lockouts WHERE email = 'lock@example.com'").decode(Int.self).collectAll()[0]
                    #expect(left == 0, "a successful sign-in clears the failures")
                    #expect(try await servers[0].call(.post, "/auth/login", body: wrong).code == "invalid_credentials", "the count starts again")
                }
            }
        }
    }

    @Test("sign-ins from one address are limited, whichever accounts they try")
    func signInsAreLimitedPerAddress() async throws {
        // A day's window: the count's windows are fixed (aligned to the epoch), and the default
        // five minutes' boundary fell between a slow CI run's attempts about one run in ten.
        try await withAPI(authLimits: AuthLimitSettings(loginsPerAddress: 4, loginWindow: 86_400)) { api, _ in
            #expect(try await api.call(.post, "/auth/register", body: ["email": "many@example.com", "password": "correct horse battery"]).status == .accepted)
            for index in 0..<4 {
                #expect(try await api.call(.post, "/auth/login", body: ["email": "user\(index)@example.com", "password": "some password"]).code == "invalid_credentials")
            }
            let refused = try await api.call(.post, "/auth/login", body: ["email": "many@example.com", "password": "correct horse battery"])
            #expect(refused.code == "too_many_attempts")
            #expect(refused.headers[.retryAfter] != nil)
        }
    }

    @Test("control characters: an address with a NUL signs nobody in (401, never a 500); a password with one is refused, as bcrypt would stop reading at it")
    func controlCharacters() async throws {
        try await withAPI { api, _ in
            let login = try await api.call(.post, "/auth/login", json: #"{"email":"nul\u0000@example.com","password":"correct horse battery"}"#)
            #expect(login.status == .unauthorized)
            #expect(login.code == "invalid_credentials")
            let reset = try await api.call(.post, "/auth/password-reset", json: #"{"email":"nul\u0000@example.com"}"#)
            #expect(reset.status == .badRequest)
            #expect(reset.code == "invalid_email")
            let register = try await api.call(.post, "/auth/register", json: #"{"email":"nul@example.com","password":"secret\u0000 and the rest"}"#)
            #expect(register.status == .unprocessableContent)
            #expect(register.code == "weak_password")
        }
    }

    @Test("a sign-in for an unknown address checks a password against a hash of the same cost as a known one's")
    func unknownAddressesCostTheSame() async throws {
        try await withTestDatabase { postgres, _ in
            let accounts = Accounts(client: postgres, tokens: AccessTokens(secret: APIClient.secret), bcryptCost: 5, logger: TestEnvironment.logger)
            #expect(accounts.unknownAccountHash.hasPrefix("$2b$05$"))
            _ = try await accounts.create(email: "known@example.com", password: "correct horse battery", role: .customer)
            let hash = try await postgres.query("SELECT password_hash FROM users").decode(String.self).collectAll()[0]
            #expect(hash.prefix(7) == accounts.unknownAccountHash.prefix(7), "same algorithm and cost")
            let before = accounts.passwordChecks.value
            #expect(try await accounts.login(email: "known@example.com", password: "wrong password!", from: .commandLine) == nil)
            #expect(accounts.passwordChecks.value == before + 1)
            #expect(try await accounts.login(email: "unknown@example.com", password: "wrong password!", from: .commandLine) == nil)
            #expect(accounts.passwordChecks.value == before + 2, "the unknown address's sign-in ran a bcrypt check too")
        }
    }

    @Test("passwords are Unicode-normalised: the same password typed composed or decomposed signs in; length counts after normalising")
    func passwordsAreNormalized() async throws {
        try await withAPI { api, _ in
            let decomposed = "cafe\u{301} au lait, s'il vous pla\u{131}t"
            let precomposed = "caf\u{E9} au lait, s'il vous pla\u{131}t"
            #expect(decomposed.unicodeScalars.count == precomposed.unicodeScalars.count + 1, "two different strings")
            #expect(try await api.call(.post, "/auth/register", body: ["email": "accent@example.com", "password": decomposed]).status == .accepted)
            #expect(try await api.call(.post, "/auth/login", body: ["email": "accent@example.com", "password": precomposed]).status == .ok)
            #expect(try await api.call(.post, "/auth/login", body: ["email": "accent@example.com", "password": decomposed]).status == .ok)
            // Full-width digits are digits.
            #expect(try await api.call(.post, "/auth/register", body: ["email": "wide@example.com", "password": "passcode \u{FF11}\u{FF12}\u{FF13}"]).status == .accepted)
            #expect(try await api.call(.post, "/auth/login", body: ["email": "wide@example.com", "password": "passcode 123"]).status == .ok)
            // Ten code points as sent, five once composed: too short.
            let short = String(repeating: "e\u{301}", count: 5)
            #expect(short.unicodeScalars.count == 10)
            let refused = try await api.call(.post, "/auth/register", body: ["email": "short@example.com", "password": short])
            #expect(refused.code == "weak_password")
            #expect(refused.string("field") == "password")
        }
    }
}
