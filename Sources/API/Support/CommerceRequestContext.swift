import Foundation
import Hummingbird
import NIOCore

/// Who is calling: a signed-in customer or admin, from a verified access token.
public struct Principal: Sendable, Equatable {
    public enum Role: String, Sendable, Codable {
        case customer, admin
    }

    public let userID: String
    public let role: Role
    /// The session the access token belongs to (see ``Sessions``), when it names one.
    public let sessionID: UUID?

    public init(userID: String, role: Role, sessionID: UUID? = nil) {
        self.userID = userID
        self.role = role
        self.sessionID = sessionID
    }
}

/// The request context of every route: the caller (when a token was given) and where the
/// connection comes from (for rate limits).
public struct CommerceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The client's address: the connection's peer, or whom a trusted proxy forwarded for
    /// (``TrustedProxyMiddleware``).
    public internal(set) var remoteAddress: String
    /// The connection's event loop: where a request's deadline is kept (``RequestLimitsMiddleware``).
    let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        eventLoop = source.channel.eventLoop
    }

    /// Bodies over this size get 413 `body_too_large`: commands are small. Each route's limit
    /// (``RequestLimits``) is set by ``RequestLimitsMiddleware``.
    public internal(set) var maxUploadSize = RequestLimits().standard.bodyBytes

    /// The caller, or 401 when no valid token came with the request.
    func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw Problem(.unauthorized, "unauthenticated", "send a valid access token: Authorization: Bearer <token>",
                          headers: [.wwwAuthenticate: "Bearer"])
        }
        return principal
    }

    /// The caller if an admin; 401 without a token, 403 for a customer.
    func requireAdmin() throws -> Principal {
        let principal = try requirePrincipal()
        guard principal.role == .admin else { throw Problem(.forbidden, "forbidden", "this needs the admin role") }
        return principal
    }
}
