import Aggregates
import Application
import EventStore
import Tracing
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Runs a ``ProcessManager`` over `$all`, from its checkpoint, one event at a time:
/// - what it decides is appended in one transaction with its checkpoint moving past the event,
///   so a crash leaves either both or neither: no effect happens twice, none is lost;
/// - a decision that lost a race (another writer appended first) is decided again;
/// - a refusal — the domain's (``DomainError``) or the application's (``ApplicationError``) that
///   persists when decided again on fresh state — is recorded in `process_failures` in that
///   same transaction, and the manager moves on;
/// - anything else (database, network) is transient: the same event is tried again, with backoff.
///
/// Several instances may run (a `serve` and a `commerce worker --processes`): each event's
/// transaction first locks the checkpoint row, and an instance that finds the event handled
/// already rolls its own decision back. Gateway calls may then happen twice, with the same
/// idempotency key.
public struct ProcessManagerService<Manager: ProcessManager>: Service {
    let manager: Manager
    let repository: AggregateRepository
    let logger: Logger
    /// Events it does not act on move the checkpoint in batches: re-reading a few after a crash costs nothing.
    let idleCheckpointEvery = 200

    public init(_ manager: Manager, repository: AggregateRepository, logger: Logger) {
        self.manager = manager
        self.repository = repository
        var logger = logger
        logger[metadataKey: "process"] = "\(manager.name)"
        self.logger = logger
    }

    var checkpointName: String { processCheckpointName(manager.name) }
    static var redecisionsBeforeRefusal: Int { 2 }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            var backoff = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    try await follow()
                } catch {
                    // Only this task's own cancellation ends it: a CancellationError from below
                    // (a statement given up, a stream cut off) is one more transient fault, and
                    // returning on it would stop this process manager for good while the
                    // others, and the election's heartbeat, go on.
                    guard !Task.isCancelled else { return }
                    logger.warning("process manager failed; resuming from its checkpoint", metadata: ["error": "\(String(reflecting: error))", "backoff": "\(backoff)"])
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                }
            }
        }
    }

    private func follow() async throws {
        let store = repository.store
        let start = try await store.checkpoint(of: checkpointName)
        var unrecorded: Int64?
        var idle = 0
        for try await event in store.subscribe(from: start, filter: EventFilter(categories: manager.categories)) {
            if try await process(event) {
                unrecorded = nil
                idle = 0
            } else {
                unrecorded = event.position
                idle += 1
                if idle >= idleCheckpointEvery {
                    try await store.storeCheckpoint(event.position, for: checkpointName)
                    idle = 0
                    unrecorded = nil
                }
            }
        }
        if let unrecorded { try await store.storeCheckpoint(unrecorded, for: checkpointName) }
    }

    /// Handles one event until it is done: applied, or refused and recorded; in a span of the
    /// event's trace, so the commands it leads to can be followed from the request that began it.
    /// - Returns: false when the event led to nothing (its checkpoint is not written yet).
    func process(_ event: RecordedEvent) async throws -> Bool {
        try await withSpan("\(manager.name) \(event.type)", context: event.traceContext, ofKind: .consumer) { span in
            span.attributes["commerce.event.position"] = event.position
            span.attributes["commerce.event.stream"] = event.stream.rawValue
            let acted = try await decideAndAppend(event)
            span.attributes["commerce.process.acted"] = acted
            return acted
        }
    }

    private func decideAndAppend(_ event: RecordedEvent) async throws -> Bool {
        let metadata = EventMetadata(correlationID: event.metadata.correlationID, causationID: event.id, actor: manager.name)
        let checkpoint = checkpointName
        let position = event.position
        let logger = logger
        var refusals = 0
        for attempt in 1... {
            var command = ""
            do {
                let step = try await manager.handle(event, load: StepDecider(repository: repository, metadata: metadata))
                command = step.command
                if step.isEmpty { return false }
                let writes = step.writes
                _ = try await repository.appendTogether(step.appends.filter { !$0.events.isEmpty }, first: fence(position)) { connection in
                    for write in writes { try await write(connection) }
                    try await PostgresEventStore.storeCheckpoint(position, for: checkpoint, on: connection, logger: logger)
                }
                return true
            } catch is HandledElsewhere {
                return true
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion && attempt < 20 {
                continue
            } catch let refusal as any Refusal {
                // A decision reads several aggregates; one may have moved between two reads (an
                // order cancelled while its payment was being recorded). Such a refusal goes away
                // when decided again on fresh state; a real one stays, and is recorded.
                if refusals < Self.redecisionsBeforeRefusal { refusals += 1; continue }
                try await recordRefusal(event, command: command, code: refusal.refusalCode, message: refusal.message)
                return true
            }
        }
        preconditionFailure("the loop returns or throws")
    }

    private func recordRefusal(_ event: RecordedEvent, command: String, code: String, message: String) async throws {
        logger.warning("process manager's command was refused; recorded, moving on", metadata: [
            "event": "\(event.type)", "stream": "\(event.stream)", "code": "\(code)", "message": "\(message)",
            "trace_id": "\(event.metadata.correlationID.map(TraceParent.hex) ?? "none")",
        ])
        let process = manager.name
        let checkpoint = checkpointName
        let logger = logger
        do {
            _ = try await repository.appendTogether([], first: fence(event.position)) { connection in
                try await ProcessFailures.record(process: process, event: event, stream: event.stream.rawValue,
                                                 command: command.isEmpty ? "handle \(event.type)" : command, code: code, message: message,
                                                 on: connection, logger: logger)
                try await PostgresEventStore.storeCheckpoint(event.position, for: checkpoint, on: connection, logger: logger)
            }
        } catch is HandledElsewhere {}
    }

    /// Another instance committed this event's outcome first.
    struct HandledElsewhere: Error {}

    /// Locks the checkpoint for the event's transaction; throws when the event was handled already.
    private func fence(_ position: Int64) -> @Sendable (PostgresConnection) async throws -> Void {
        let checkpoint = checkpointName
        let logger = logger
        return { connection in
            guard try await PostgresEventStore.lockCheckpoint(checkpoint, on: connection, logger: logger) < position else { throw HandledElsewhere() }
        }
    }
}

/// A process manager's checkpoint in `subscription_checkpoints`.
func processCheckpointName(_ process: String) -> String { "process-\(process)" }
