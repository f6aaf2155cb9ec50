import Foundation
import Synchronization

/// For-you's pair sums per customer (the costliest part of the list: a sum over every pair of
/// every product they bought or viewed), kept while their history is what it was and for at
/// most ``maximumAge``. A new order or view of theirs changes the history and so is seen at once;
/// other shoppers' orders move the pairs' counts slowly, and reach the sums within that age.
/// The weights also decay with time, by about one part in 10⁵ in half a minute. Each entry is kept
/// for a random half to whole of the age, so that sums made together do not expire together.
final class CustomerPairSums: Sendable {
    struct Entry {
        let history: [RecommendationScoring.HistoryItem]
        let sums: [(product: String, score: Double)]
        let expiresAt: ContinuousClock.Instant
    }

    /// Past this many customers, entries too old to serve are dropped when more are stored, and
    /// all of them if that is not enough (a bound, not a working set).
    static let capacity = 20_000

    let maximumAge: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(maximumAge: Duration = .seconds(30)) {
        self.maximumAge = maximumAge
    }

    /// The customer's sums if kept for this very history and still young enough.
    func sums(of customer: String, history: [RecommendationScoring.HistoryItem]) -> [(product: String, score: Double)]? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[customer], now < entry.expiresAt, entry.history == history else { return nil }
            return entry.sums
        }
    }

    func store(_ sums: [(product: String, score: Double)], of customer: String, history: [RecommendationScoring.HistoryItem]) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { now < $0.value.expiresAt }
                if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[customer] = Entry(history: history, sums: sums, expiresAt: now + maximumAge * Double.random(in: 0.5...1))
        }
    }
}
