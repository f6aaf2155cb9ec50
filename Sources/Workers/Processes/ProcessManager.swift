import Application
import EventStore
import PostgresNIO

/// Reacts to events rather than requests: for each event of its categories, decides what the
/// event leads to. ``ProcessManagerService`` runs it from its checkpoint and commits what it
/// decides together with the checkpoint.
public protocol ProcessManager: Sendable {
    /// Stable: the checkpoint's and the failures' key.
    var name: String { get }
    var categories: [String] { get }
    /// What `event` leads to; an empty step for events it does not act on. Decisions load fresh
    /// state through `load`, so a redelivered event decides nothing new.
    func handle(_ event: RecordedEvent, load: StepDecider) async throws -> ProcessStep
}

/// What a process manager decided for one event: appends, and writes of its own tables, to
/// commit in one transaction with its checkpoint.
public struct ProcessStep: Sendable {
    public var appends: [StreamAppend]
    public var writes: [@Sendable (PostgresConnection) async throws -> Void]
    /// What was commanded, in words, for the failure record if the domain refuses.
    public var command: String

    public init(appends: [StreamAppend] = [], writes: [@Sendable (PostgresConnection) async throws -> Void] = [], command: String = "") {
        self.appends = appends
        self.writes = writes
        self.command = command
    }

    public static let nothing = ProcessStep()
    public var isEmpty: Bool { appends.allSatisfy(\.events.isEmpty) && writes.isEmpty }
}
