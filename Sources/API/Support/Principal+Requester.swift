import Application

extension Principal {
    /// The principal as the use cases see it.
    var requester: Requester {
        Requester(id: userID, role: role == .admin ? .admin : .customer)
    }
}
