/// Why a webhook was not delivered: all are worth trying again later except a refused address,
/// which stays refused until the endpoint changes.
public enum WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    case unresolvable(String)
    case privateAddress(String)
    case connection(String)
    case timeout
    case status(Int)

    public var description: String {
        switch self {
        case .unresolvable(let host): "\(host) does not resolve"
        case .privateAddress(let address): "\(address) is not a public address (SSRF guard)"
        case .connection(let reason): "connection failed: \(reason)"
        case .timeout: "no answer in time"
        case .status(let code): "the receiver answered \(code)"
        }
    }
}
