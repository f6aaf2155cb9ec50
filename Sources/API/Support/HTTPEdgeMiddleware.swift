import Foundation
import HTTPTypes
import EventStore
import Hummingbird
import Tracing

/// What every answer carries, and what the edge answers itself, around the problem middleware:
/// - `X-Request-Id`: the caller's (up to 128 characters of letters, digits, `.`, `_`, `-`) or
///   a new UUID; in the request's log metadata too;
/// - security headers: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
///   `X-Frame-Options: DENY`, each unless the answer set its own policy (the dashboard does), HSTS when configured,
///   and `Cache-Control: no-store` on answers to a caller who sent credentials (a bearer token,
///   a guest token or a cookie) unless the route chose caching itself;
/// - CORS for the configured origins: a preflight (`OPTIONS` with
///   `Access-Control-Request-Method`) is answered 204 with the methods and headers allowed;
///   other answers get `Access-Control-Allow-Origin` and the headers a browser may read;
/// - 405 with `Allow` for a known path asked with a method it does not answer;
/// - one access-log line per request at info: method, route, path (never the query, which
///   may hold a token), status, duration and request id.
struct HTTPEdgeMiddleware<Context: RequestContext>: RouterMiddleware {
    struct Settings: Sendable {
        /// Origins (`https://shop.example.com`) whose browsers may call the API.
        var corsAllowedOrigins: Set<String> = []
        /// `Strict-Transport-Security: max-age=…` when set (only behind TLS).
        var hstsMaxAge: Int?
    }

    let settings: Settings
    let routes: RouteTable

    static var requestIDHeader: HTTPField.Name { HTTPField.Name("X-Request-Id")! }
    static var traceResponseHeader: HTTPField.Name { HTTPField.Name("traceresponse")! }
    static var allowedHeaders: String { "Authorization, Content-Type, Idempotency-Key, If-Match, Guest-Token, X-Request-Id, traceparent, tracestate" }
    static var exposedHeaders: String { "ETag, Location, Retry-After, X-Request-Id, traceresponse" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = request.headers[Self.requestIDHeader].flatMap(Self.acceptable) ?? RandomIdentifier.uuid().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        // The request's span (tracing middleware), or without a tracer the caller's own.
        let trace = InstrumentationContext.current?.traceParent ?? request.headers[.init("traceparent")!].flatMap(TraceParent.init(header:))
        if let trace { context.logger[metadataKey: "trace_id"] = "\(TraceParent.hex(trace.traceID))" }
        let origin = request.headers[.origin].flatMap { settings.corsAllowedOrigins.contains($0) ? $0 : nil }
        var response: Response
        if request.method == .options, let origin, let asked = request.headers[.accessControlRequestMethod] {
            response = Response(status: .noContent)
            let known = routes.methods(for: request.uri.path)
            response.headers[.accessControlAllowMethods] = (known.isEmpty ? [asked] : known).joined(separator: ", ")
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = "600"
            response.headers[.accessControlAllowOrigin] = origin
        } else {
            response = try await next(request, context)
            // No route answered (a domain's 404 comes from a route of this very method): a known
            // path asked with another method is a 405.
            if response.status == .notFound {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty, !allowed.contains(request.method.rawValue) {
                    var headers: HTTPFields = [:]
                    headers[.allow] = allowed.joined(separator: ", ")
                    response = try Problem(
                        .methodNotAllowed, "method_not_allowed", "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method.rawValue)",
                        headers: headers
                    ).response(from: request, context: context)
                }
            }
            if let origin {
                response.headers[.accessControlAllowOrigin] = origin
                response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
            }
        }
        if !settings.corsAllowedOrigins.isEmpty { response.headers[values: .vary].append("Origin") }
        response.headers[Self.requestIDHeader] = requestID
        // W3C Trace Context level 2: the trace this request joined or began, and its span, so
        // a caller that sent no `traceparent` can still name the trace (the events' correlation id).
        if let span = InstrumentationContext.current?.traceParent { response.headers[Self.traceResponseHeader] = span.header }
        response.headers[.xContentTypeOptions] = "nosniff"
        // A page that sets its own policies (the dashboard) keeps them.
        let referrerPolicy = HTTPField.Name("Referrer-Policy")!, frameOptions = HTTPField.Name("X-Frame-Options")!
        if response.headers[referrerPolicy] == nil { response.headers[referrerPolicy] = "no-referrer" }
        if response.headers[.contentSecurityPolicy] == nil, response.headers[frameOptions] == nil { response.headers[frameOptions] = "DENY" }
        if let hsts = settings.hstsMaxAge { response.headers[.strictTransportSecurity] = "max-age=\(hsts)" }
        let credentials = request.headers[.authorization] != nil || request.headers[.cookie] != nil || request.headers[HTTPField.Name("Guest-Token")!] != nil
        if credentials, response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        let elapsed = ContinuousClock.now - started
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "-")", "path": "\(request.uri.path)",
            "status": "\(response.status.code)",
            "duration_ms": "\(elapsed / .milliseconds(1))",
        ])
        return response
    }

    /// A caller's request id, when it is one we may echo into headers and logs.
    static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }) else { return nil }
        return value
    }
}
