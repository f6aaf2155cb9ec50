import Foundation

/// When a failed webhook delivery is tried again: exponential backoff with jitter (half to all
/// of the step, so that many failing deliveries do not come back in step), capped, until a
/// deadline after the first attempt; then the delivery is dead-lettered.
public struct WebhookSchedule: Sendable {
    public var firstRetryAfter: TimeInterval = 10
    public var longestRetryAfter: TimeInterval = 3600
    public var giveUpAfter: TimeInterval = 24 * 3600

    public init() {}

    /// The longest wait after the `attempts`-th failed attempt (before jitter).
    public func step(afterAttempt attempts: Int) -> TimeInterval {
        min(longestRetryAfter, firstRetryAfter * pow(2, Double(max(0, attempts - 1))))
    }

    /// When to try again after the `attempts`-th failed attempt, or nil to give up.
    /// - Parameter jitter: in 0.5…1, the share of the step to wait.
    public func nextAttempt(afterAttempt attempts: Int, firstAttemptAt: Date, now: Date, jitter: Double) -> Date? {
        let next = now.addingTimeInterval(step(afterAttempt: attempts) * jitter)
        return next.timeIntervalSince(firstAttemptAt) > giveUpAfter ? nil : next
    }
}
