import Hummingbird

/// Refuses a request past its client address's limit for its route class (``RateLimiter``):
/// 429 `rate_limited` with `Retry-After`, before the request is authenticated or read. The
/// address is the one ``TrustedProxyMiddleware`` settled on.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = CommerceRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: CommerceRequestContext, next: (Request, CommerceRequestContext) async throws -> Response) async throws -> Response {
        guard let routeClass = RouteClass(method: request.method, path: request.uri.path) else { return try await next(request, context) }
        if case .refused(let retryAfter) = try await limiter.admit(routeClass, from: context.remoteAddress) {
            throw Problem(
                .tooManyRequests, "rate_limited", "too many \(routeClass.requests) from this address: try again in \(retryAfter) s",
                fields: ["retryAfter": .integer(Int64(retryAfter))], headers: [.retryAfter: "\(retryAfter)"]
            )
        }
        return try await next(request, context)
    }
}
