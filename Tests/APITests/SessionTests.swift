import Foundation
import HTTPTypes
import Testing
import TestSupport

/// Sessions and password changes through HTTP: a customer lists their sessions, ends one, signs
/// out, and changes the password, which signs out every other session.
@Suite("Sessions and password changes")
struct SessionTests {
    static func agent(_ name: String) -> HTTPFields { [.userAgent: name] }

    @Test("a customer sees their sessions and where they came from; ending one or signing out stops its refresh token at once")
    func sessions() async throws {
        try await withAPI { api, _ in
            let credentials = ["email": "sessions@example.com", "password": "correct horse battery"]
            try await api.call(.post, "/auth/register", body: credentials)
            let first = try await api.call(.post, "/auth/login", body: credentials, headers: Self.agent("agent-a"))
            let second = try await api.call(.post, "/auth/login", body: credentials, headers: Self.agent("agent-b"))
            let third = try await api.call(.post, "/auth/login", body: credentials, headers: Self.agent("agent-c"))
            let token = second.string("accessToken")

            let listed = try await api.call(.get, "/auth/sessions", token: token)
            #expect(listed.status == .ok)
            let sessions = listed["sessions"] as? [[String: any Sendable]] ?? []
            #expect(sessions.map { $0["userAgent"] as? String } == ["agent-a", "agent-b", "agent-c"])
            #expect(sessions.allSatisfy { ($0["address"] as? String) == "127.0.0.1" })
            #expect(sessions.map { $0["current"] as? Int64 } == [0, 1, 0], "JSON booleans arrive as numbers here")
            let ids = sessions.compactMap { $0["id"] as? String }
            #expect(ids.count == 3)

            #expect(try await api.call(.delete, "/auth/sessions/\(ids[0])", token: token).status == .noContent)
            #expect(try await api.call(.post, "/auth/refresh", body: ["refreshToken": first.string("refreshToken")]).code == "invalid_refresh_token")
            #expect(try await api.call(.delete, "/auth/sessions/\(ids[0])", token: token).code == "session_not_found", "ended already")
            #expect(try await api.call(.delete, "/auth/sessions/\(UUID())", token: token).code == "session_not_found")
            #expect(try await api.call(.delete, "/auth/sessions/not-a-session", token: token).code == "session_not_found")
            let (stranger, _) = try await api.register("stranger@example.com")
            #expect(try await api.call(.delete, "/auth/sessions/\(ids[2])", token: stranger).code == "session_not_found", "not theirs")

            #expect(try await api.call(.post, "/auth/logout", token: third.string("accessToken")).status == .noContent)
            #expect(try await api.call(.post, "/auth/refresh", body: ["refreshToken": third.string("refreshToken")]).code == "invalid_refresh_token")
            let left = try await api.call(.get, "/auth/sessions", token: token)["sessions"] as? [[String: any Sendable]] ?? []
            #expect(left.compactMap { $0["id"] as? String } == [ids[1]])

            // Renewing keeps the session: same id, newer use, the renewal's client.
            let renewed = try await api.call(.post, "/auth/refresh", body: ["refreshToken": second.string("refreshToken")], headers: Self.agent("agent-b2"))
            #expect(renewed.status == .ok)
            let after = try await api.call(.get, "/auth/sessions", token: renewed.string("accessToken"))["sessions"] as? [[String: any Sendable]] ?? []
            #expect(after.compactMap { $0["id"] as? String } == [ids[1]])
            #expect(after.first?["userAgent"] as? String == "agent-b2")
            #expect(after.first?["current"] as? Int64 == 1)
            // A refresh token used twice ends its session.
            _ = try await api.call(.post, "/auth/refresh", body: ["refreshToken": second.string("refreshToken")])
            let none = try await api.call(.get, "/auth/sessions", token: renewed.string("accessToken"))["sessions"] as? [[String: any Sendable]] ?? []
            #expect(none.isEmpty)

            #expect(try await api.call(.get, "/auth/sessions").code == "unauthenticated")
            #expect(try await api.call(.post, "/auth/logout").code == "unauthenticated")
        }
    }

    @Test("changing the password needs the current one, follows the rules, signs out every other session; wrong guesses lock the account")
    func passwordChange() async throws {
        try await withAPI { api, _ in
            let old = ["email": "change@example.com", "password": "correct horse battery"]
            try await api.call(.post, "/auth/register", body: old)
            let elsewhere = try await api.call(.post, "/auth/login", body: old)
            let here = try await api.call(.post, "/auth/login", body: old)
            let token = here.string("accessToken")

            let wrong = try await api.call(.post, "/auth/password", token: token, body: ["currentPassword": "not it at all", "newPassword": "a brand new passphrase"])
            #expect(wrong.status == .forbidden)
            #expect(wrong.code == "wrong_password")
            let weak = try await api.call(.post, "/auth/password", token: token, body: ["currentPassword": "correct horse battery", "newPassword": "short"])
            #expect(weak.code == "weak_password")
            let changed = try await api.call(.post, "/auth/password", token: token, body: ["currentPassword": "correct horse battery", "newPassword": "a brand new passphrase"])
            #expect(changed.status == .noContent)

            #expect(try await api.call(.post, "/auth/refresh", body: ["refreshToken": elsewhere.string("refreshToken")]).code == "invalid_refresh_token")
            #expect(try await api.call(.post, "/auth/refresh", body: ["refreshToken": here.string("refreshToken")]).status == .ok, "this session stays")
            #expect(try await api.call(.post, "/auth/login", body: old).code == "invalid_credentials")
            #expect(try await api.call(.post, "/auth/login", body: ["email": "change@example.com", "password": "a brand new passphrase"]).status == .ok)

            // The current password cannot be guessed here either: failures lock the account.
            for _ in 0..<5 {
                #expect(try await api.call(.post, "/auth/password", token: token, body: ["currentPassword": "a guess of mine", "newPassword": "another passphrase"]).code == "wrong_password")
            }
            let locked = try await api.call(.post, "/auth/password", token: token, body: ["currentPassword": "a brand new passphrase", "newPassword": "another passphrase"])
            #expect(locked.code == "account_locked")
            #expect(try await api.call(.post, "/auth/login", body: ["email": "change@example.com", "password": "a brand new passphrase"]).code == "account_locked")
        }
    }
}
