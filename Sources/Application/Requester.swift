import Aggregates

/// Who asks a use case for something: a signed-in customer or an admin (the API's principal),
/// or a process acting on its own. Use cases answer "not found" for what a customer does not own.
public struct Requester: Sendable, Equatable {
    public enum Role: String, Sendable {
        case customer, admin, process
    }

    public let id: String
    public let role: Role

    public init(id: String, role: Role) {
        self.id = id
        self.role = role
    }

    public static func process(_ name: String) -> Requester { Requester(id: name, role: .process) }

    /// Admins and processes act on anything; a customer only on what is theirs.
    public func owns(_ owner: CartOwner?) -> Bool {
        guard role == .customer else { return true }
        guard case .customer(let customer) = owner else { return false }
        return customer.rawValue == id
    }
}
