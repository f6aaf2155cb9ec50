import Aggregates
import Application
import EventStore
import Foundation
import Hummingbird
import HTTPTypes
import Tracing

/// What every command route answers, and what it reads from every command request.
enum CommandResponses {
    static func ok(_ result: CommandResult) -> Response {
        respond(result, status: .ok)
    }

    static func created(_ result: CommandResult) -> Response {
        respond(result, status: .created)
    }

    private static func respond(_ result: CommandResult, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .eTag: "\"\(result.version)\""],
            // The answers' encoding (sorted keys, slashes as they are), without JSONEncoder's boxing:
            // every command answers this.
            body: .init(byteBuffer: .init(bytes: try! CanonicalJSONEncoder.encode(result)))
        )
    }

    /// The version in `If-Match` (`"3"` or `3`); nil without the header or with `*` (any current
    /// version, RFC 9110); 400 when it is not a version.
    static func ifMatch(_ request: Request) throws -> Int64? {
        guard let header = request.headers[.ifMatch], header.trimmingCharacters(in: .whitespaces) != "*" else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard let version = Int64(trimmed), version >= 0 else {
            throw Problem.badRequest("invalid_if_match", "If-Match must hold the version the resource was read at, like \"3\"")
        }
        return version
    }

    /// The events' metadata: who acted, and the correlation id — the trace id of the caller's
    /// W3C `traceparent`, else its `X-Correlation-ID`, else the trace the request began (its
    /// `traceresponse`), else a new one.
    static func metadata(_ principal: Principal?, _ request: Request) -> EventMetadata {
        let correlation = request.headers[.init("traceparent")!].flatMap(TraceParent.init(header:))?.traceID
            ?? request.headers[.init("X-Correlation-ID")!].flatMap(UUID.init(uuidString:))
            ?? InstrumentationContext.current?.traceParent?.traceID ?? RandomIdentifier.uuid()
        return EventMetadata(correlationID: correlation, actor: principal?.userID ?? "guest")
    }
}

extension CommandResult: ResponseEncodable {}
