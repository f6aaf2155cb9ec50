import HTTPTypes
import Synchronization

/// Which methods each route path answers, filled once the routes are registered: a request
/// whose path is known but whose method is not gets 405 with `Allow` instead of 404.
final class RouteTable: Sendable {
    /// Each path as segments, `nil` standing for a capture (`{id}` or `:id`).
    private let routes = Mutex<[(segments: [String?], method: HTTPRequest.Method)]>([])

    func load(_ described: [(path: String, method: HTTPRequest.Method)]) {
        let parsed = described.map { route in
            (segments: route.path.split(separator: "/").map { part -> String? in
                part.hasPrefix(":") || (part.hasPrefix("{") && part.hasSuffix("}")) ? nil : String(part)
            }, method: route.method)
        }
        routes.withLock { $0 = parsed }
    }

    /// The methods routes of `path` answer, sorted; empty for a path no route has.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        let methods = routes.withLock { routes in
            routes.filter { route in
                route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { pattern, part in pattern == nil || pattern! == part }
            }.map(\.method.rawValue)
        }
        return Set(methods).sorted()
    }
}
