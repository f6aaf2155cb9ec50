/// What an append expects of a stream's current version (the number of events in it).
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream must have at least one event.
    case streamExists
    /// The stream must be at exactly this version (0 = no events yet).
    case exact(Int64)

    /// The encoding `append_events` takes.
    var databaseValue: Int64 {
        switch self {
        case .any: -1
        case .noStream: -2
        case .streamExists: -3
        case .exact(let version): version
        }
    }

    init(databaseValue: Int64) {
        switch databaseValue {
        case -1: self = .any
        case -2: self = .noStream
        case -3: self = .streamExists
        default: self = .exact(databaseValue)
        }
    }

    /// Whether a stream at `version` (0 = no events) meets this expectation.
    public func accepts(_ version: Int64) -> Bool {
        switch self {
        case .any: true
        case .noStream: version == 0
        case .streamExists: version > 0
        case .exact(let expected): version == expected
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .streamExists: "stream exists"
        case .exact(let version): "\(version)"
        }
    }
}
