import Hummingbird

/// The carts' routes take a bearer token or a guest cart's `Guest-Token`; only creating a cart
/// takes neither. A request with no credentials is refused here, 401, before its
/// `Idempotency-Key` is looked at: a key is never claimed or compared for a caller who may not
/// use the route.
struct ShopperCredentialsMiddleware: RouterMiddleware {
    typealias Context = CommerceRequestContext

    func handle(_ request: Request, context: CommerceRequestContext, next: (Request, CommerceRequestContext) async throws -> Response) async throws -> Response {
        let createsCart = request.method == .post && request.uri.path == "/carts"
        if context.principal == nil, request.headers[GuestToken.header] == nil, !createsCart {
            _ = try context.requirePrincipal()
        }
        return try await next(request, context)
    }
}
