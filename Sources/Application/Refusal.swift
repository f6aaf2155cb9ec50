import Aggregates

/// A command refused for a reason that deciding again on the same state will not change: the
/// domain's (``DomainError``) or the application's (``ApplicationError``). Processes record a
/// refusal and move on; anything else is transient and retried.
public protocol Refusal: Error {
    var refusalCode: String { get }
    var message: String { get }
}

extension DomainError: Refusal {
    public var refusalCode: String { code.rawValue }
}

extension ApplicationError: Refusal {
    public var refusalCode: String { code.rawValue }
}
