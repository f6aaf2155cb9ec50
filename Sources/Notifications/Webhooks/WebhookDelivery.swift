import Foundation

/// One event for one endpoint, and where its delivery stands (`webhook_deliveries`).
public struct WebhookDelivery: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case pending, delivered, dead
    }

    public var id: UUID
    public var endpointID: UUID
    public var eventID: UUID
    public var eventType: String
    public var stream: String
    public var position: Int64
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var createdAt: Date
    public var finishedAt: Date?
    public var attemptLog: [Attempt]

    /// One try: when, how long, what came back.
    public struct Attempt: Sendable, Codable, Equatable {
        public var attempt: Int
        public var startedAt: Date
        public var durationMs: Int
        public var statusCode: Int?
        public var error: String?
    }
}
