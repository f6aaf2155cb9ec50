import Hummingbird

/// Guards the routes only a signed-in caller may use: 401 without a valid token, before
/// anything else looks at the request (``IdempotencyMiddleware`` among them: a caller without
/// a token learns nothing about the keys used).
struct SignedInMiddleware: RouterMiddleware {
    typealias Context = CommerceRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        _ = try context.requirePrincipal()
        return try await next(request, context)
    }
}
