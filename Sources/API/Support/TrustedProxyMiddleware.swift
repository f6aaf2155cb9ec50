import Application
import Hummingbird

/// Takes the client's address from `X-Forwarded-For` for requests from a trusted proxy: what
/// the per-address limits, sessions and idempotency keys see as `remoteAddress`.
struct TrustedProxyMiddleware: RouterMiddleware {
    typealias Context = CommerceRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: CommerceRequestContext, next: (Request, CommerceRequestContext) async throws -> Response) async throws -> Response {
        guard !proxies.isEmpty else { return try await next(request, context) }
        var context = context
        context.remoteAddress = proxies.client(peer: context.remoteAddress, forwardedFor: request.headers[values: .init("X-Forwarded-For")!])
        return try await next(request, context)
    }
}
