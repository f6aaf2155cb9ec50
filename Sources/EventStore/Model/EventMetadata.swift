import Foundation

/// Who caused an event and in answer to what. Stored in columns (queryable by auditors);
/// `extra` holds anything else as a JSON object.
public struct EventMetadata: Sendable, Hashable, Codable {
    /// Shared by every event that one user request led to, across aggregates and services.
    public var correlationID: UUID?
    /// The event or command that directly caused this one.
    public var causationID: UUID?
    /// Who acted: a user id, `system`, a worker's name.
    public var actor: String?
    public var extra: [String: String]

    public init(correlationID: UUID? = nil, causationID: UUID? = nil, actor: String? = nil, extra: [String: String] = [:]) {
        self.correlationID = correlationID
        self.causationID = causationID
        self.actor = actor
        self.extra = extra
    }
}
