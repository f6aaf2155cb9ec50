import Foundation
import Hummingbird

/// The routes of e-mailed tokens: verify the address, ask for another verification e-mail,
/// ask for a password reset and reset with the token.
struct AccountEmailRoutes {
    let verification: EmailVerification
    let reset: PasswordReset

    struct TokenBody: Codable {
        let token: String
    }

    struct Verified: Codable, Sendable {
        let email: String
        let emailVerified: Bool
    }

    struct ResetRequest: Codable {
        let email: String
    }

    struct ResetConfirmation: Codable {
        let token: String
        let newPassword: String
    }

    func addRoutes(public router: Router<CommerceRequestContext>, signedIn: RouterGroup<CommerceRequestContext>) {
        router.post("/auth/verify-email") { request, context -> JSONBody<Verified> in
            let body = try await StrictJSON.decode(TokenBody.self, from: request, context: context)
            return JSONBody(Verified(email: try await verification.verify(body.token), emailVerified: true))
        }
        signedIn.post("/auth/verify-email/resend") { _, context -> EditedResponse<JSONBody<Accepted>> in
            try await verification.resend(for: try context.requirePrincipal().userID, from: context.remoteAddress)
            return Accepted.response("a new verification e-mail is on its way; earlier links no longer work")
        }
        // The same answer whether the address has an account or not.
        router.post("/auth/password-reset") { request, context -> EditedResponse<JSONBody<Accepted>> in
            let body = try await StrictJSON.decode(ResetRequest.self, from: request, context: context)
            try await reset.request(email: body.email, from: context.remoteAddress)
            return Accepted.response("if the address has an account, a reset link is on its way; it works once, for 30 minutes")
        }
        router.post("/auth/password-reset/confirm") { request, context -> Response in
            let body = try await StrictJSON.decode(ResetConfirmation.self, from: request, context: context)
            try await reset.reset(token: body.token, newPassword: body.newPassword)
            return Response(status: .noContent)
        }
    }
}
