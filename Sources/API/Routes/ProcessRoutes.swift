import Application
import Hummingbird

/// `GET /admin/processes/failures`: the commands process managers gave that were refused, newest
/// first (`?process=` narrows to one, `?limit=` 1–100).
struct ProcessRoutes {
    let failures: ProcessFailures

    struct Listing: Codable, Sendable {
        let items: [ProcessFailures.Failure]
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.get("processes/failures") { request, _ -> JSONBody<Listing> in
            let query = request.uri.queryParameters
            let process = try QueryParameters.text(query["process"], "process")
            if let process, process.isEmpty || process.count > 100 {
                throw Problem.badRequest("invalid_parameter", "process must name a process manager", field: "process")
            }
            return JSONBody(Listing(items: try await failures.list(process: process, limit: try QueryParameters.limit(query["limit"]))))
        }
    }
}
