import Aggregates
import Application
import Hummingbird

/// Who is acting on a cart: a signed-in user, or a guest holding its cart's token.
enum CartCaller: Sendable {
    case user(Principal)
    /// The SHA-256 (hex) of the token the guest sent.
    case guest(String)

    /// The signed-in user when there is a token; else the guest token in `Guest-Token`; else 401.
    init(_ request: Request, _ context: CommerceRequestContext) throws {
        if let principal = context.principal {
            self = .user(principal)
        } else if let token = request.headers[GuestToken.header] {
            self = .guest(GuestToken.hash(token))
        } else {
            _ = try context.requirePrincipal()
            preconditionFailure("requirePrincipal throws without a principal")
        }
    }

    func owns(_ owner: CartOwner?) -> Bool {
        switch self {
        case .user(let principal): return principal.requester.owns(owner)
        case .guest(let hash):
            guard case .guest(let recorded) = owner else { return false }
            return recorded == hash
        }
    }
}
