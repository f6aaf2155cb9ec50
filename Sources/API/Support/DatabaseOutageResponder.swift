import Hummingbird

/// Answers 503 `database_unavailable` while ``DatabaseAvailability`` finds PostgreSQL down — at
/// once for a new request, and for one already running when the outage begins — so no request
/// hangs through an outage. It wraps the whole router rather than being a middleware: a handler
/// caught in a statement that ignores cancellation (one sent as the server shut down) is left
/// behind to end when it ends, which a middleware, bound to wait for what it calls, cannot do.
/// A command cut short may or may not have been stored; its client retries with the same
/// `Idempotency-Key`. The health routes and the document need no database and pass straight
/// through (readiness reports the outage itself).
struct DatabaseOutageResponder<Base: HTTPResponder>: HTTPResponder where Base.Context: RequestContext & Sendable {
    typealias Context = Base.Context

    let base: Base
    /// Nil: requests go straight to the router (and wait for the pool through an outage).
    let availability: DatabaseAvailability?

    func respond(to request: Request, context: Context) async throws -> Response {
        guard let availability else { return try await base.respond(to: request, context: context) }
        let path = request.uri.path
        if path.hasPrefix("/health/") || path == "/openapi.json" { return try await base.respond(to: request, context: context) }
        if availability.isDown { return try Problem.databaseUnavailable.response(from: request, context: context) }
        let base = base
        do {
            return try await availability.unlessItGoesDown { try await base.respond(to: request, context: context) }
        } catch is DatabaseAvailability.WentDown {
            return try Problem.databaseUnavailable.response(from: request, context: context)
        }
    }
}

/// Builds the router's responder wrapped in a ``DatabaseOutageResponder``.
struct DatabaseOutageRouter<Base: HTTPResponderBuilder>: HTTPResponderBuilder where Base.Responder.Context: RequestContext & Sendable {
    let base: Base
    let availability: DatabaseAvailability?

    func buildResponder() -> DatabaseOutageResponder<Base.Responder> {
        DatabaseOutageResponder(base: base.buildResponder(), availability: availability)
    }
}
