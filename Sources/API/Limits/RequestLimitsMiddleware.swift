import Hummingbird

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
        // The handler runs in a child task so that the deadline can cancel it; the group waits
        // for it to stop before answering, so nothing of the request outlives it.
        return try await withoutActuallyEscaping(next) { next in
            nonisolated(unsafe) let next = next
            return try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask { try await next(request, limited) }
                group.addTask {
                    try await Task.sleep(for: limits.timeout)
                    throw Problem(
                        .serviceUnavailable, "request_timeout", "the request took longer than this route's \(limits.timeout.components.seconds) s and was stopped",
                        headers: [.retryAfter: "1"]
                    )
                }
                defer { group.cancelAll() }
                guard let response = try await group.next() else { throw CancellationError() }
                return response
            }
        }
    }
}
