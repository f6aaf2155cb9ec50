/// Splitting an amount of minor units over weights so the shares sum to it exactly.
public enum Allocation {
    /// Shares of `total` proportional to `weights` by the largest-remainder method: each share is
    /// the floor of its exact proportion, and the units left over go one each to the largest
    /// remainders (ties to the earlier weight). With `0 <= total <= Σ weights`, no share exceeds
    /// its weight. All weights zero: everything to nothing (an array of zeros, total must be 0).
    public static func largestRemainder(_ total: Int64, over weights: [Int64]) -> [Int64] {
        precondition(total >= 0 && weights.allSatisfy { $0 >= 0 }, "allocation takes non-negative amounts")
        let sum = weights.reduce(0, +)
        guard sum > 0, total > 0 else { return weights.map { _ in 0 } }
        var shares: [Int64] = []
        var remainders: [(index: Int, remainder: Int64)] = []
        for (index, weight) in weights.enumerated() {
            // total × weight can pass Int64 for large amounts: divide the full-width product.
            let product = total.multipliedFullWidth(by: weight)
            let (quotient, remainder) = sum.dividingFullWidth((high: product.high, low: product.low))
            shares.append(quotient)
            remainders.append((index, remainder))
        }
        var left = total - shares.reduce(0, +)
        for entry in remainders.sorted(by: { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }) where left > 0 {
            shares[entry.index] += 1
            left -= 1
        }
        return shares
    }
}
