import Foundation
import Hummingbird

/// A signed-in customer's sessions and password: list and end sessions, sign out, change the
/// password (which signs out every other session).
struct SessionRoutes {
    let accounts: Accounts
    let sessions: Sessions
    let limits: AuthLimits

    struct SessionList: Codable, Sendable {
        let sessions: [Sessions.Session]
    }

    struct PasswordChange: Codable {
        let currentPassword: String
        let newPassword: String
    }

    /// - Parameter signedIn: a group whose routes need a signed-in caller.
    func addRoutes(signedIn router: RouterGroup<CommerceRequestContext>) {
        router.get("/auth/sessions") { _, context -> JSONBody<SessionList> in
            JSONBody(SessionList(sessions: try await sessions.open(of: try context.requirePrincipal())))
        }
        router.delete("/auth/sessions/{sessionId}") { _, context -> Response in
            let principal = try context.requirePrincipal()
            let notFound = Problem(.notFound, "session_not_found", "you have no open session with this id")
            guard let id = UUID(uuidString: try context.parameters.require("sessionId")) else { throw notFound }
            guard try await sessions.end(id, of: principal) else { throw notFound }
            return Response(status: .noContent)
        }
        router.post("/auth/logout") { _, context -> Response in
            let principal = try context.requirePrincipal()
            guard let session = principal.sessionID else {
                throw Problem.badRequest("no_session", "this access token was issued before sessions were kept: sign in again to get one that names its session")
            }
            _ = try await sessions.end(session, of: principal)
            return Response(status: .noContent)
        }
        router.post("/auth/password") { request, context -> Response in
            let principal = try context.requirePrincipal()
            let body = try await StrictJSON.decode(PasswordChange.self, from: request, context: context)
            guard let (email, hash) = try await accounts.credentials(of: principal.userID) else {
                throw Problem(.unauthorized, "unauthenticated", "this account no longer exists")
            }
            // A wrong current password counts as a failed sign-in: it cannot be guessed here either.
            let confirmed = try await limits.signIn(email: email, from: context.remoteAddress) {
                try await accounts.checks(body.currentPassword, against: hash) ? true : nil
            }
            guard confirmed != nil else {
                throw Problem(.forbidden, "wrong_password", "the current password is wrong", fields: ["field": .string("currentPassword")])
            }
            try await accounts.setPassword(body.newPassword, of: principal.userID, keeping: principal.sessionID)
            return Response(status: .noContent)
        }
    }
}
