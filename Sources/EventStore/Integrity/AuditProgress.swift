/// How far a long audit or replay has got, reported after each page it read.
public struct AuditProgress: Sendable {
    public let eventsRead: Int
    /// The last position read, and the one the audit ends at.
    public let position: Int64
    public let firstPosition: Int64
    public let lastPosition: Int64

    public init(eventsRead: Int, position: Int64, firstPosition: Int64, lastPosition: Int64) {
        self.eventsRead = eventsRead
        self.position = position
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
    }

    /// The share of the position range done, 0…1 (events of other categories count as done).
    public var fraction: Double {
        guard lastPosition >= firstPosition else { return 1 }
        return min(1, Double(position - firstPosition + 1) / Double(lastPosition - firstPosition + 1))
    }
}
