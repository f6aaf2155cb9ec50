import Hummingbird
import NIOCore
import Synchronization

/// Holds each request to its route's ``RequestLimits``: a declared `Content-Length` over the
/// body limit is refused before anything is read (413 `body_too_large`), and the body readers
/// stop at the limit too (`maxUploadSize`); a handler still running at the deadline is
/// cancelled and the client gets 503 `request_timeout` with `Retry-After` once it has stopped.
struct RequestLimitsMiddleware: RouterMiddleware {
    typealias Context = CommerceRequestContext
    let limits: RequestLimits

    func handle(_ request: Request, context: CommerceRequestContext, next: (Request, CommerceRequestContext) async throws -> Response) async throws -> Response {
        let limits = limits.limit(of: request.uri.path)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limits.bodyBytes {
            throw Problem(.contentTooLarge, "body_too_large", "the request body is over this route's limit of \(limits.bodyBytes) bytes")
        }
        var context = context
        context.maxUploadSize = limits.bodyBytes
        let limited = context
        // The handler runs in a child task so that the deadline can cancel it alone; the group
        // waits for it to stop before answering, so nothing of the request outlives it. The
        // deadline is a timer of the connection's event loop, not a second task sleeping: a
        // sleeping task costs every request a timer of the dispatch library set and cancelled
        // through its manager thread (a tenth of the server's CPU at 20k requests/s).
        let deadline = RequestDeadline()
        let timeout = limits.timeout.components
        let timer = context.eventLoop.scheduleTask(in: .seconds(timeout.seconds) + .nanoseconds(timeout.attoseconds / 1_000_000_000)) {
            deadline.expire()
        }
        defer { timer.cancel() }
        let response: Response? = try await withoutActuallyEscaping(next) { next in
            nonisolated(unsafe) let next = next
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask {
                    guard deadline.start() else { return nil }
                    defer { deadline.finish() }
                    do {
                        return try await next(request, limited)
                    } catch where deadline.expired {
                        return nil
                    }
                }
                guard let response = try await group.next() else { throw CancellationError() }
                return response
            }
        }
        guard let response, !deadline.expired else {
            throw Problem(
                .serviceUnavailable, "request_timeout", "the request took longer than this route's \(timeout.seconds) s and was stopped",
                headers: [.retryAfter: "1"]
            )
        }
        return response
    }
}

/// One request's deadline: the handler's task, cancelled when the event loop's timer fires while
/// it runs. The task is held only between ``start()`` and ``finish()`` (both in the task itself),
/// and cancelled only under the same lock, so the timer never touches a task that has ended.
final class RequestDeadline: Sendable {
    /// The running handler's task. Unsafe to keep beyond its life, which the lock guarantees.
    private struct Running: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private struct State {
        var running: Running?
        var expired = false
    }

    private let state = Mutex(State())

    var expired: Bool { state.withLock { $0.expired } }

    /// Called by the handler's task before it runs; false when the deadline has already passed.
    func start() -> Bool {
        guard let task = withUnsafeCurrentTask(body: { $0 }) else { return true }
        return state.withLock { state in
            if state.expired { return false }
            state.running = Running(task: task)
            return true
        }
    }

    /// Called by the handler's task when the handler has returned or thrown.
    func finish() {
        state.withLock { $0.running = nil }
    }

    /// The timer: the deadline has passed; a handler still running is cancelled.
    func expire() {
        state.withLock { state in
            state.expired = true
            state.running?.task.cancel()
        }
    }
}
