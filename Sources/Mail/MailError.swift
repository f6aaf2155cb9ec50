/// Why a message was not sent: worth retrying (the server or the network failed for now, a
/// 4xx reply) or not (a 5xx reply: the server refuses this message or recipient for good).
public enum MailError: Error, Sendable, CustomStringConvertible {
    case transient(String)
    case permanent(String)

    public var description: String {
        switch self {
        case .transient(let reason), .permanent(let reason): reason
        }
    }

    public var isPermanent: Bool {
        if case .permanent = self { return true }
        return false
    }
}
