import API
import Foundation
import HTTPTypes
import PostgresNIO
import Testing
import TestSupport

/// Verification and password reset through HTTP, reading the e-mails the development SMTP
/// server received.
@Suite("Account e-mails: verification, password reset, and answers that reveal no account")
struct AccountEmailTests {
    let mailbox = Mailbox()

    static func address(_ name: String) -> String { "\(name)-\(UUID().uuidString.prefix(8).lowercased())@mail.example" }

    @Test("register → verify → login → request reset → reset → every old session is refused → login with the new password")
    func registerVerifyReset() async throws {
        try await withAPI(requireVerifiedEmail: true) { api, postgres in
            let email = Self.address("flow")
            let registered = try await api.call(.post, "/auth/register", body: ["email": email, "password": "correct horse battery"])
            #expect(registered.status == .accepted)
            #expect(registered["accessToken"] == nil, "registration signs nobody in")
            let welcome = try await mailbox.waitForMessages(to: email)
            #expect(welcome.count == 1)
            #expect(welcome[0].subject == "Confirm your e-mail address")
            let token = try #require(welcome[0].token)
            #expect(welcome[0].text.contains("https://shop.example.com/verify-email?token=\(token)"))
            #expect(welcome[0].html.contains("https://shop.example.com/verify-email?token=\(token)"))
            let stored = try await postgres.query("SELECT encode(token_hash, 'hex') FROM account_tokens").decode(String.self).collectAll()
            #expect(stored.count == 1 && !stored[0].contains(token), "only the token's hash is stored")

            // Signed in but not verified: checkout is refused with a code.
            let first = try await api.call(.post, "/auth/login", body: ["email": email, "password": "correct horse battery"])
            #expect(first.status == .ok)
            let unverified = try await api.call(.post, "/carts/cart_x/checkout", token: first.string("accessToken"), body: ["cardNumber": "4242424242424242"])
            #expect(unverified.status == .forbidden)
            #expect(unverified.code == "email_not_verified")

            let verified = try await api.call(.post, "/auth/verify-email", body: ["token": token])
            #expect(verified.status == .ok)
            #expect(verified.string("email") == email)
            let me = try await api.call(.get, "/customers/me", token: first.string("accessToken"))
            #expect(me["emailVerified"] as? Int64 == 1)
            let reused = try await api.call(.post, "/auth/verify-email", body: ["token": token])
            #expect(reused.status == .unprocessableContent)
            #expect(reused.code == "invalid_email_token")
            #expect(try await api.call(.post, "/carts/cart_x/checkout", token: first.string("accessToken"), body: ["cardNumber": "4242424242424242"]).code != "email_not_verified")

            let second = try await api.call(.post, "/auth/login", body: ["email": email, "password": "correct horse battery"])
            #expect(try await api.call(.post, "/auth/password-reset", body: ["email": email]).status == .accepted)
            // The first verification sent a welcome; then comes the reset.
            let mails = try await mailbox.waitForMessages(to: email, count: 3)
            #expect(mails.filter { $0.subject == "Welcome" }.count == 1)
            let resetMail = try #require(mails.first { $0.subject == "Reset your password" })
            let resetToken = try #require(resetMail.token)
            let weak = try await api.call(.post, "/auth/password-reset/confirm", body: ["token": resetToken, "newPassword": "qwertyuiop"])
            #expect(weak.code == "common_password", "a password from the shipped list is refused")
            #expect(weak["field"] as? String == "newPassword")
            #expect(try await api.call(.post, "/auth/password-reset/confirm", body: ["token": resetToken, "newPassword": "a brand new passphrase"]).status == .noContent)

            for session in [first, second] {
                let renewed = try await api.call(.post, "/auth/refresh", body: ["refreshToken": session.string("refreshToken")])
                #expect(renewed.status == .unauthorized, "every session of before the reset is signed out")
            }
            #expect(try await api.call(.post, "/auth/login", body: ["email": email, "password": "correct horse battery"]).code == "invalid_credentials")
            let after = try await api.call(.post, "/auth/login", body: ["email": email, "password": "a brand new passphrase"])
            #expect(after.status == .ok)
            let sessions = try await api.call(.get, "/auth/sessions", token: after.string("accessToken"))["sessions"] as? [Any]
            #expect(sessions?.count == 1)
            #expect(try await api.call(.post, "/auth/password-reset/confirm", body: ["token": resetToken, "newPassword": "yet another passphrase"]).code == "invalid_reset_token")
        }
    }

    @Test("a second reset e-mail invalidates the first; an expired token is refused; a reset lifts the lockout")
    func resetTokens() async throws {
        try await withAPI { api, postgres in
            let email = Self.address("reset")
            _ = try await api.register(email)
            _ = try await mailbox.waitForMessages(to: email)
            for _ in 0..<5 {
                #expect(try await api.call(.post, "/auth/login", body: ["email": email, "password": "wrong password!"]).code == "invalid_credentials")
            }
            #expect(try await api.call(.post, "/auth/login", body: ["email": email, "password": "correct horse battery"]).code == "account_locked")

            #expect(try await api.call(.post, "/auth/password-reset", body: ["email": email]).status == .accepted)
            #expect(try await api.call(.post, "/auth/password-reset", body: ["email": email]).status == .accepted)
            let mails = try await mailbox.waitForMessages(to: email, count: 3)
            let (earlier, later) = (try #require(mails[1].token), try #require(mails[2].token))
            #expect(earlier != later)
            #expect(mails[1].messageID != mails[2].messageID)
            #expect(try await api.call(.post, "/auth/password-reset/confirm", body: ["token": earlier, "newPassword": "a brand new passphrase"]).code == "invalid_reset_token")

            // Expired: the token's clock moved past its 30 minutes.
            try await postgres.query("UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'reset_password'")
            #expect(try await api.call(.post, "/auth/password-reset/confirm", body: ["token": later, "newPassword": "a brand new passphrase"]).code == "invalid_reset_token")
            try await postgres.query("UPDATE account_tokens SET expires_at = now() + interval '30 minutes' WHERE purpose = 'reset_password'")
            #expect(try await api.call(.post, "/auth/password-reset/confirm", body: ["token": later, "newPassword": "a brand new passphrase"]).status == .noContent)
            #expect(try await api.call(.post, "/auth/login", body: ["email": email, "password": "a brand new passphrase"]).status == .ok, "the lock is lifted")
        }
    }

    @Test("register and reset requests answer the same for a taken or unknown address as for a new or known one")
    func noEnumeration() async throws {
        try await withAPI { api, postgres in
            let taken = Self.address("taken")
            let fresh = Self.address("fresh")
            let unknown = Self.address("unknown")
            let first = try await api.call(.post, "/auth/register", body: ["email": taken, "password": "correct horse battery"])
            let again = try await api.call(.post, "/auth/register", body: ["email": taken, "password": "another long password"])
            let new = try await api.call(.post, "/auth/register", body: ["email": fresh, "password": "another long password"])
            #expect(first.status == .accepted && again.status == .accepted && new.status == .accepted)
            #expect(again.body.keys.sorted() == new.body.keys.sorted() && again.string("detail") == new.string("detail"))

            let known = try await api.call(.post, "/auth/password-reset", body: ["email": taken])
            let nobody = try await api.call(.post, "/auth/password-reset", body: ["email": unknown])
            #expect(known.status == .accepted && nobody.status == .accepted)
            #expect(known.string("detail") == nobody.string("detail"))

            // The difference went to the mailboxes: a verification, then "you have an account",
            // then the reset; nothing to the unknown address.
            let mails = try await mailbox.waitForMessages(to: taken, count: 3)
            #expect(mails.map(\.subject) == ["Confirm your e-mail address", "You already have an account", "Reset your password"])
            #expect(try await mailbox.waitForMessages(to: fresh).count == 1)
            try await waitUntil(timeout: .seconds(90)) { (try? await postgres.query("SELECT count(*)::int FROM mail_outbox WHERE status = 'pending'").decode(Int.self).collectAll()[0]) == 0 }
            #expect(mailbox.messages(to: unknown).isEmpty)
            #expect(try await postgres.query("SELECT count(*)::int FROM users").decode(Int.self).collectAll()[0] == 2)
            // Sent mails keep no message (it may hold a token).
            #expect(try await postgres.query("SELECT count(*)::int FROM mail_outbox WHERE message IS NOT NULL").decode(Int.self).collectAll()[0] == 0)
        }
    }

    @Test("verification e-mails can be sent again, within limits; a verified address needs none")
    func resendVerification() async throws {
        try await withAPI(authLimits: AuthLimitSettings(loginsPerAddress: 1000, registrationsPerAddress: 1000, mailRequestsPerAddress: 1000, mailRequestsPerAccount: 2)) { api, _ in
            let email = Self.address("resend")
            let (token, _) = try await api.register(email)
            for _ in 0..<2 {
                #expect(try await api.call(.post, "/auth/verify-email/resend", token: token).status == .accepted)
            }
            let limited = try await api.call(.post, "/auth/verify-email/resend", token: token)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            let mails = try await mailbox.waitForMessages(to: email, count: 3)
            #expect(mails.count == 3)
            #expect(try await api.call(.post, "/auth/verify-email", body: ["token": try #require(mails[1].token)]).code == "invalid_email_token", "a resend replaces the earlier link")
            #expect(try await api.call(.post, "/auth/verify-email", body: ["token": try #require(mails[2].token)]).status == .ok)
            #expect(try await api.call(.post, "/auth/verify-email/resend", token: token).code == "email_already_verified")
            #expect(try await api.call(.post, "/auth/verify-email/resend").status == .unauthorized)
        }
    }
}
