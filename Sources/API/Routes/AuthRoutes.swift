import Foundation
import Hummingbird

/// Registration, sign-in and token refresh.
struct AuthRoutes {
    let accounts: Accounts
    let registration: Registration
    let limits: AuthLimits

    struct Credentials: Codable {
        let email: String
        let password: String
    }

    struct RefreshRequest: Codable {
        let refreshToken: String
    }

    func addRoutes(to router: Router<CommerceRequestContext>) {
        // The same answer for a new address and a taken one (the mailbox learns which).
        router.post("/auth/register") { request, context -> EditedResponse<JSONBody<Accepted>> in
            let body = try await StrictJSON.decode(Credentials.self, from: request, context: context)
            try await limits.countRegistration(from: context.remoteAddress)
            try await registration.register(email: body.email, password: body.password)
            return Accepted.response("if the address can be registered, the account exists now; confirm the address with the link e-mailed to it, then sign in")
        }
        router.post("/auth/login") { request, context -> JSONBody<Accounts.Tokens> in
            let body = try await StrictJSON.decode(Credentials.self, from: request, context: context)
            let signedIn = try await limits.signIn(email: body.email, from: context.remoteAddress) {
                try await accounts.login(email: body.email, password: body.password, from: Self.origin(request, context))
            }
            guard let tokens = signedIn else {
                throw Problem(.unauthorized, "invalid_credentials", "the email or the password is wrong")
            }
            return JSONBody(tokens)
        }
        router.post("/auth/refresh") { request, context -> JSONBody<Accounts.Tokens> in
            let body = try await StrictJSON.decode(RefreshRequest.self, from: request, context: context)
            return JSONBody(try await accounts.refresh(body.refreshToken, from: Self.origin(request, context)))
        }
    }
}

extension AuthRoutes {
    static func origin(_ request: Request, _ context: CommerceRequestContext) -> Accounts.Origin {
        Accounts.Origin(address: context.remoteAddress, userAgent: request.headers[.userAgent] ?? "")
    }
}

/// Reads `Authorization: Bearer <token>`. No header: an anonymous request (routes decide). A
/// header with a bad or expired token: 401 at once, never treated as anonymous.
struct AuthenticationMiddleware: RouterMiddleware {
    let tokens: AccessTokens

    func handle(_ request: Request, context: CommerceRequestContext, next: (Request, CommerceRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                throw Problem(.unauthorized, "invalid_token", "the Authorization header must be Bearer <token>", headers: [.wwwAuthenticate: "Bearer"])
            }
            do {
                context.principal = try tokens.verify(String(header.dropFirst("Bearer ".count)))
            } catch .expired {
                throw Problem(.unauthorized, "token_expired", "the access token has expired; refresh it", headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
            } catch {
                throw Problem(.unauthorized, "invalid_token", "the access token is not valid", headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
            }
        }
        return try await next(request, context)
    }
}

/// 202 for a request whose outcome goes by e-mail: the answer says no more than that.
struct Accepted: Codable, Sendable {
    let status: String
    let detail: String

    static func response(_ detail: String) -> EditedResponse<JSONBody<Accepted>> {
        EditedResponse(status: .accepted, response: JSONBody(Accepted(status: "accepted", detail: detail)))
    }
}

/// A JSON response body with an explicit encoder (sorted keys, ISO 8601 dates).
struct JSONBody<Value: Encodable & Sendable>: ResponseGenerator {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(bytes: try StrictJSON.encoder.encode(value))))
    }
}
