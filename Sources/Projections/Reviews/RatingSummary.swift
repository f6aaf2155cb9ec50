import Aggregates

/// A product's ratings over its approved reviews, kept as whole counts: the average is worked
/// out from the exact sum when shown, to one decimal, rounded half away from zero.
public struct RatingSummary: Sendable, Codable, Equatable {
    /// nil with no approved review.
    public let average: Double?
    public let count: Int64
    /// The sum of the star ratings (the average's numerator, for clients that aggregate further).
    public let ratingSum: Int64
    /// Reviews per star rating, "1" to "5", every key present.
    public let distribution: [String: Int64]

    public init(sum: Int64, count: Int64, stars: [Int64]) {
        ratingSum = sum
        self.count = count
        average = count > 0 ? Double(Money.roundedDivision(sum * 10, by: count)) / 10 : nil
        var distribution: [String: Int64] = [:]
        for star in 1...5 { distribution[String(star)] = star <= stars.count ? stars[star - 1] : 0 }
        self.distribution = distribution
    }

    public static let none = RatingSummary(sum: 0, count: 0, stars: [])
}
