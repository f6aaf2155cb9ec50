import Aggregates

/// How sure a ratio of two hit rates measured on the same queries is: the queries are drawn
/// again with replacement, `rounds` times, and the ratio of the two lists' hits recomputed on
/// each draw (a paired bootstrap: both lists are judged on the same draw, so what the draws
/// share cancels). The middle 95 % of those ratios is the interval printed beside the ratio.
/// Seeded, so that a run prints the same interval for the same lists.
struct PairedBootstrap {
    let rounds: Int
    let seed: UInt64

    init(rounds: Int = 1000, seed: UInt64 = 7) {
        self.rounds = rounds
        self.seed = seed
    }

    /// The 2.5th and 97.5th percentiles of hits(`list`) ÷ hits(`baseline`) over the draws;
    /// nil when the two were not judged on the same queries or the baseline never hit.
    func interval(of list: [Bool], against baseline: [Bool]) -> (low: Double, high: Double)? {
        guard list.count == baseline.count, !list.isEmpty, baseline.contains(true) else { return nil }
        var random = SplitMix64(seed: seed)
        var ratios: [Double] = []
        ratios.reserveCapacity(rounds)
        for _ in 0..<rounds {
            var listHits = 0, baselineHits = 0
            for _ in 0..<list.count {
                let query = Int(random.next() % UInt64(list.count))
                if list[query] { listHits += 1 }
                if baseline[query] { baselineHits += 1 }
            }
            ratios.append(baselineHits == 0 ? .infinity : Double(listHits) / Double(baselineHits))
        }
        ratios.sort()
        return (ratios[Int(Double(rounds) * 0.025)], ratios[min(rounds - 1, Int(Double(rounds) * 0.975))])
    }
}
