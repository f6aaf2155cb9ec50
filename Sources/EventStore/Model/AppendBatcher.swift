import Synchronization

/// Coalesces concurrent appends into one database call: group commit at the application level.
///
/// An append that finds one of `maximumLeaders` slots free runs at once, taking along every
/// append waiting in the queue (so a single writer never waits). Appends that arrive while all
/// leaders are busy queue up; when a leader finishes, it hands its slot to the oldest waiting
/// append, which runs the next batch. Each append still gets its own outcome: the SQL function
/// checks every request's expectations on their own (see `append_events`).
///
/// No background task: the callers themselves do the work, in turn.
final class AppendBatcher: Sendable {
    typealias Execute = @Sendable ([AppendRequest]) async -> [Result<AppendOutcome, any Error>]

    private enum Wake: Sendable {
        case done(Result<AppendOutcome, any Error>)
        case lead
    }

    private struct Waiter {
        let request: AppendRequest
        let continuation: CheckedContinuation<Wake, Never>
    }

    private struct State {
        var leaders = 0
        var waiting: [Waiter] = []
    }

    private let state = Mutex(State())
    private let maximumLeaders: Int
    private let maximumBatchEvents: Int

    init(maximumLeaders: Int, maximumBatchEvents: Int = 2000) {
        self.maximumLeaders = max(1, maximumLeaders)
        self.maximumBatchEvents = maximumBatchEvents
    }

    func submit(_ request: AppendRequest, execute: Execute) async -> Result<AppendOutcome, any Error> {
        let leadNow = state.withLock { state in
            guard state.leaders < maximumLeaders else { return false }
            state.leaders += 1
            return true
        }
        if leadNow { return await lead(with: request, execute: execute) }

        let wake = await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
            let promoted = state.withLock { state in
                // A slot may have freed between the two locks.
                if state.leaders < maximumLeaders {
                    state.leaders += 1
                    return true
                }
                state.waiting.append(Waiter(request: request, continuation: continuation))
                return false
            }
            if promoted { continuation.resume(returning: .lead) }
        }
        switch wake {
        case .done(let result): return result
        case .lead: return await lead(with: request, execute: execute)
        }
    }

    private func lead(with own: AppendRequest, execute: Execute) async -> Result<AppendOutcome, any Error> {
        let followers = state.withLock { state in
            var taken = 0
            var events = own.eventCount
            while taken < state.waiting.count, events + state.waiting[taken].request.eventCount <= maximumBatchEvents {
                events += state.waiting[taken].request.eventCount
                taken += 1
            }
            defer { state.waiting.removeFirst(taken) }
            return Array(state.waiting.prefix(taken))
        }
        let results = await execute([own] + followers.map(\.request))
        for (follower, result) in zip(followers, results.dropFirst()) {
            follower.continuation.resume(returning: .done(result))
        }
        // Hand the slot to the oldest waiting append, or free it.
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.leaders -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        return results[0]
    }
}
