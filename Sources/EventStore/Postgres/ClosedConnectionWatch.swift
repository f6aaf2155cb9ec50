import NIOConcurrencyHelpers
import PostgresNIO

/// Keeps a statement from waiting for ever on a pool connection that closed under it.
///
/// postgres-nio 1.33 writes each statement to its connection's channel without a promise for the
/// write itself. When the channel has already closed — the server restarting or going away, and
/// the pool handing out the connection before it has heard — the write is dropped and the caller
/// waits for ever, deaf to cancellation, holding its lease (seen with a few dozen pool users
/// across server restarts: most restarts left some waiting; see `PoolOutageTests`).
/// A worker loop or an HTTP request stuck so never goes on, and a graceful shutdown waits for it.
///
/// So each statement (or a leased connection's whole use) runs in a task of its own, watched: once
/// its connection has been closed for `grace` — time enough for a statement in flight to fail as
/// it should — the caller gets ``ConnectionClosedError`` (an outage: ``DatabaseOutage``) and the
/// stuck task is left behind. One sweeping task looks at the watched connections while there are
/// any; a statement costs a task and two short locks, no timer of its own.
public final class ClosedConnectionWatch: Sendable {
    public static let shared = ClosedConnectionWatch()

    /// How long a connection may stay closed under a running statement before it is given up.
    let grace: Duration
    /// How often the sweeper looks.
    let interval: Duration

    private struct Watched {
        let connection: PostgresConnection
        let giveUp: @Sendable () -> Void
        var closedSince: ContinuousClock.Instant?
    }

    private struct State {
        var watched: [Int: Watched] = [:]
        var nextID = 0
        var sweeping = false
    }

    private let state = NIOLockedValueBox(State())

    public init(grace: Duration = .seconds(1), interval: Duration = .milliseconds(250)) {
        self.grace = grace
        self.interval = interval
    }

    /// Runs `work` (which uses `connection`) in a task of its own and returns what it returns —
    /// or throws ``ConnectionClosedError`` when the connection is closed already, or stays closed
    /// for `grace` while `work` runs. Cancelling the caller cancels `work`.
    /// - Parameter onConnectionsLoop: runs `work` on the connection's event loop rather than the
    ///   cooperative pool (``EventLoopTaskExecutor``): for short work only.
    public func run<T: Sendable>(
        on connection: PostgresConnection, onConnectionsLoop: Bool = false, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard !connection.isClosed else { throw ConnectionClosedError() }
        let run = WatchedRun<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                run.begin(continuation)
                let id = watch(connection) { run.finish(.failure(ConnectionClosedError())) }
                run.start(on: onConnectionsLoop ? EventLoopTaskExecutor.forLoop(connection.eventLoop) : nil) {
                    let result: Result<T, any Error>
                    do { result = .success(try await work()) } catch { result = .failure(error) }
                    self.unwatch(id)
                    run.finish(result)
                }
            }
        } onCancel: {
            run.cancel()
        }
    }

    private func watch(_ connection: PostgresConnection, giveUp: @escaping @Sendable () -> Void) -> Int {
        let (id, startSweeper) = state.withLockedValue { state -> (Int, Bool) in
            state.nextID &+= 1
            state.watched[state.nextID] = Watched(connection: connection, giveUp: giveUp)
            defer { state.sweeping = true }
            return (state.nextID, !state.sweeping)
        }
        // Unstructured on purpose: the sweeper serves every caller and ends by itself once
        // nothing is watched; no caller owns it.
        if startSweeper { Task { await sweep() } }
        return id
    }

    private func unwatch(_ id: Int) {
        _ = state.withLockedValue { $0.watched.removeValue(forKey: id) }
    }

    /// Until nothing is watched: gives up the runs whose connection has stayed closed for `grace`.
    private func sweep() async {
        while true {
            // Never cancelled (nobody holds the task), so the sleep cannot throw.
            try? await Task.sleep(for: interval)
            let now = ContinuousClock.now
            let (givenUp, done) = state.withLockedValue { state -> ([@Sendable () -> Void], Bool) in
                var givenUp: [@Sendable () -> Void] = []
                for (id, watched) in state.watched where watched.connection.isClosed {
                    if let since = watched.closedSince {
                        if now - since >= grace {
                            givenUp.append(watched.giveUp)
                            state.watched[id] = nil
                        }
                    } else {
                        state.watched[id]?.closedSince = now
                    }
                }
                if state.watched.isEmpty { state.sweeping = false }
                return (givenUp, state.watched.isEmpty)
            }
            for giveUp in givenUp { giveUp() }
            if done { return }
        }
    }
}

/// One watched run: its caller's continuation, resumed once — by the work's end or by the watch
/// giving it up, whichever comes first — and its task, to cancel.
private final class WatchedRun<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var task: Task<Void, Never>?
        var cancelled = false
    }

    private let state = NIOLockedValueBox(State())

    func begin(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLockedValue { $0.continuation = continuation }
    }

    func start(on executor: (any TaskExecutor)?, _ body: @escaping @Sendable () async -> Void) {
        // A task of its own, not a child: a child's caller would have to wait for it, and a lost
        // statement never ends. It ends the run through ``finish(_:)``, errors included.
        let task = Task(executorPreference: executor) { await body() }
        let cancelled = state.withLockedValue { state -> Bool in
            state.task = task
            return state.cancelled
        }
        if cancelled { task.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, task) = state.withLockedValue { state in
            defer { state.continuation = nil; state.task = nil }
            return (state.continuation, state.task)
        }
        guard let continuation else { return }
        if case .failure(let error) = result, error is ConnectionClosedError { task?.cancel() }
        continuation.resume(with: result)
    }

    func cancel() {
        let task = state.withLockedValue { state -> Task<Void, Never>? in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}

/// A pool connection was closed when a statement was to run on it, or closed under the statement
/// and left it without an answer: the server went away (an outage, as ``DatabaseOutage`` says).
public struct ConnectionClosedError: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the database connection closed under the statement" }
}
