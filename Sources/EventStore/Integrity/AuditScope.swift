import Foundation

/// Which part of the log an audit reads: one stream or one category, a range of global
/// positions, a range of recorded times. Events are always read in global order.
public struct AuditScope: Sendable, Hashable, CustomStringConvertible {
    /// One stream; nil = every stream of the category.
    public var stream: StreamName?
    /// One stream category (`order`, `payment`…); nil = every category.
    public var category: String?
    /// The first position read (inclusive).
    public var fromPosition: Int64
    /// The last position read (inclusive); nil = the head when the read starts.
    public var toPosition: Int64?
    /// Events recorded at or after this time.
    public var fromTime: Date?
    /// Events recorded at or before this time.
    public var toTime: Date?

    public init(
        stream: StreamName? = nil, category: String? = nil, fromPosition: Int64 = 1, toPosition: Int64? = nil,
        fromTime: Date? = nil, toTime: Date? = nil
    ) {
        self.stream = stream
        self.category = category
        self.fromPosition = max(1, fromPosition)
        self.toPosition = toPosition
        self.fromTime = fromTime
        self.toTime = toTime
    }

    public static let everything = AuditScope()

    /// Whether every stream's events are read from its first one: then a stream whose first
    /// event read is not version 1 lost events; otherwise its predecessor may lie before the scope.
    public var startsAtLogStart: Bool { fromPosition == 1 && fromTime == nil }

    /// Every event of every stream from the start: the scope an anchor can be checked against.
    public var isWholeLog: Bool { stream == nil && category == nil && startsAtLogStart && toTime == nil }

    public var description: String {
        var parts = [stream.map { "stream \($0)" } ?? category.map { "category \($0)" } ?? "every stream"]
        if fromPosition > 1 { parts.append("from position \(fromPosition)") }
        if let toPosition { parts.append("to position \(toPosition)") }
        if let fromTime { parts.append("recorded from \(fromTime.formatted(.iso8601))") }
        if let toTime { parts.append("recorded to \(toTime.formatted(.iso8601))") }
        return parts.joined(separator: ", ")
    }
}
