import Hummingbird

/// Answers 503 `database_unavailable` while ``DatabaseAvailability`` finds PostgreSQL down —
/// at once for a new request, and by cancelling one already waiting for a connection — so no
/// request hangs through an outage. A command cut short may or may not have been stored; its
/// client retries with the same `Idempotency-Key`. The health routes and the document need no
/// database and pass through (readiness reports the outage).
struct DatabaseOutageMiddleware<Context: RequestContext>: RouterMiddleware {
    let availability: DatabaseAvailability

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/health/") || path == "/openapi.json" { return try await next(request, context) }
        if availability.isDown { throw Problem.databaseUnavailable }
        // The handler runs in a child task, beside a watcher that returns when the database goes
        // down; the group ends before this call returns, so `next` does not outlive it.
        return try await withoutActuallyEscaping(next) { next in
            nonisolated(unsafe) let next = next
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await next(request, context) }
                group.addTask {
                    await availability.waitUntilDown()
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else { throw Problem.databaseUnavailable }
                return response
            }
        }
    }
}
