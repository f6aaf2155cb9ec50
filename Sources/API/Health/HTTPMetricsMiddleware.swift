import Hummingbird
import Metrics

/// Counts every request by route template, method and the status the client got, and times it
/// to its response (swift-metrics: `/metrics` prints them). It leaves the response body as it is:
/// the time is taken when the handler answers, not when the last byte is written.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = CommerceRequestContext

    func handle(_ request: Request, context: CommerceRequestContext, next: (Request, CommerceRequestContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: started)
            return response
        } catch {
            record(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: CommerceRequestContext, status: Int, since started: ContinuousClock.Instant) {
        let dimensions = [("route", context.endpointPath ?? "unmatched"), ("method", request.method.rawValue), ("status", String(status))]
        Counter(label: "commerce_http_requests", dimensions: dimensions).increment()
        Metrics.Timer(label: "commerce_http_request_duration_seconds", dimensions: dimensions).record(duration: ContinuousClock.now - started)
    }
}
