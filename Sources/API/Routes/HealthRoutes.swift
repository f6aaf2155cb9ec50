import EventStore
import Foundation
import Hummingbird

/// `GET /health/live`: the process answers. `GET /health/ready`: every dependency answers;
/// 503 names each one that does not, and 503 `draining` once a shutdown has begun.
struct HealthRoutes {
    let checks: [ReadinessCheck]
    let timeout: Duration
    let drain: ShutdownDrain?

    struct Report: ResponseEncodable {
        struct Component: Codable, Equatable {
            let status: String
            let error: String?
        }

        /// "up" when every check passed, "down" when one did not, "draining" once shutting down.
        let status: String
        /// The checks that failed, by name.
        let down: [String]
        let checks: [String: Component]
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/health/live") { _, _ in
            Report(status: "up", down: [], checks: [:])
        }
        router.get("/health/ready") { _, _ in
            if drain?.isDraining == true {
                return EditedResponse(status: .serviceUnavailable, response: Report(status: "draining", down: [], checks: [:]))
            }
            let report = await readiness()
            return EditedResponse(status: report.status == "up" ? .ok : .serviceUnavailable, response: report)
        }
    }

    func readiness() async -> Report {
        let timeout = self.timeout
        let results = await withTaskGroup(of: (String, Report.Component).self) { group in
            for check in checks {
                group.addTask {
                    do {
                        try await withTimeout(timeout) { try await check.probe() }
                        return (check.name, .init(status: "up", error: nil))
                    } catch {
                        return (check.name, .init(status: "down", error: "\(error)"))
                    }
                }
            }
            var results: [String: Report.Component] = [:]
            for await (name, component) in group { results[name] = component }
            return results
        }
        let down = results.filter { $0.value.status != "up" }.keys.sorted()
        return Report(status: down.isEmpty ? "up" : "down", down: down, checks: results)
    }
}
