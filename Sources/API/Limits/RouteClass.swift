import Application
import HTTPTypes

/// What a request does, for its rate limit: tries credentials (`auth`), changes something
/// (`commands`) or reads (`queries`).
enum RouteClass: String, Sendable, CaseIterable {
    case auth
    case commands
    case queries

    /// nil: not limited — health checks and `/metrics` (probes and scrapers must always get
    /// through), CORS preflights, and the payment provider's webhooks (signed, and a refused one
    /// would only delay a payment).
    init?(method: HTTPRequest.Method, path: String) {
        if method == .options || path.hasPrefix("/health/") || path == "/metrics" || path.hasPrefix("/webhooks/") { return nil }
        switch method {
        case .get, .head: self = .queries
        case .post where path.hasPrefix("/auth/"): self = .auth
        default: self = .commands
        }
    }

    /// For the refusal's detail: "sign-in and registration requests".
    var requests: String {
        switch self {
        case .auth: "sign-in and account requests"
        case .commands: "commands"
        case .queries: "queries"
        }
    }

    /// This class's limit in `settings`.
    func limit(in settings: RateLimitSettings) -> Int {
        switch self {
        case .auth: settings.auth
        case .commands: settings.commands
        case .queries: settings.queries
        }
    }
}
