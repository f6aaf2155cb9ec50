import Application
import EventStore
import Foundation
import Hummingbird

/// Audit reads of single streams, for administrators:
/// - `GET /admin/streams/{stream}/events?fromVersion=&limit=`: the stored events, oldest first;
/// - `GET /admin/streams/{stream}/state?asOf=`: the aggregate's state as of a global position
///   or an RFC 3339 time (default now), with the events folded to get there.
struct StreamRoutes {
    let history: StreamHistory

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.get("streams/:stream/events") { request, context -> RawJSONBody in
            let stream = try Self.stream(context)
            let query = request.uri.queryParameters
            let fromVersion = try QueryParameters.integer(query["fromVersion"], "fromVersion", default: 1, range: 1...Int64.max)
            let limit = try QueryParameters.integer(query["limit"], "limit", default: 100, range: 1...1000)
            let events = try await history.events(of: stream, fromVersion: fromVersion, limit: Int(limit) + 1)
            var json: [UInt8] = Array(#"{"stream":"#.utf8)
            JSONText.appendString(stream.rawValue, to: &json)
            json.append(contentsOf: #","events":"#.utf8)
            RecordedEvent.appendJSONArray(events.prefix(Int(limit)), to: &json)
            json.append(contentsOf: #","nextVersion":"#.utf8)
            json.append(contentsOf: (events.count > limit ? String(events[Int(limit)].version) : "null").utf8)
            json.append(UInt8(ascii: "}"))
            return RawJSONBody(bytes: json)
        }
        admin.get("streams/:stream/state") { request, context -> RawJSONBody in
            let stream = try Self.stream(context)
            let asOf = try Self.historyPoint(request.uri.queryParameters["asOf"])
            return RawJSONBody(bytes: try await history.replay(stream, asOf: asOf).json)
        }
    }

    private static func stream(_ context: CommerceRequestContext) throws -> StreamName {
        let text = context.parameters.get("stream") ?? ""
        do { return try StreamName(text) } catch {
            throw Problem.badRequest("invalid_parameter", error.message, field: "stream")
        }
    }

    /// A global position (digits) or an RFC 3339 time.
    private static func historyPoint(_ value: Substring?) throws -> HistoryPoint? {
        guard let value else { return nil }
        if let point = HistoryPoint(value) { return point }
        throw Problem.badRequest("invalid_parameter", "asOf must be a global position (a non-negative integer) or an RFC 3339 time such as 2026-11-30T12:00:00Z", field: "asOf")
    }
}
