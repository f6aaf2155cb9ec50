import Hummingbird
import Projections

/// `minPosition` on a read-model query: the answer waits (up to `waitMs`, default 2000, at most
/// 10000) until the event at that global position is in the read model, or says 503
/// `read_model_lagging` when it is not in time.
struct ReadYourWrites: Sendable {
    let progress: ReadModelProgress

    func wait(_ request: Request, projection: some Projection) async throws {
        let query = request.uri.queryParameters
        // waitMs is checked also without minPosition: a bad parameter is refused wherever it is.
        var wait = Duration.seconds(2)
        if let text = query["waitMs"] {
            guard let milliseconds = Int(text), (0...10_000).contains(milliseconds) else {
                throw Problem.badRequest("invalid_parameter", "waitMs must be 0 to 10000", field: "waitMs")
            }
            wait = .milliseconds(milliseconds)
        }
        guard let text = query["minPosition"] else { return }
        guard let position = Int64(text), position > 0 else {
            throw Problem.badRequest("invalid_parameter", "minPosition must be a positive global position", field: "minPosition")
        }
        let deadline = ContinuousClock.now + wait
        while true {
            switch try await progress.check(position, in: projection) {
            case .reached: return
            case .noSuchEvent: throw Problem.unprocessable("invalid_parameter", "no event has global position \(position)", field: "minPosition")
            case .behind: break
            }
            guard ContinuousClock.now < deadline else {
                throw Problem(.serviceUnavailable, "read_model_lagging", "the \(projection.name) read model has not reached position \(position) yet",
                              fields: ["minPosition": .integer(position)], headers: [.retryAfter: "1"])
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
