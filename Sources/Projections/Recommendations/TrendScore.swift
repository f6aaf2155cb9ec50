import Foundation

/// A sum of weights that halve every `halfLife`: Σ wᵢ · 2^(−(t − tᵢ)/halfLife), kept as its value
/// at `asOf` (the latest time added) so that adding is one multiplication, in any order of times.
public struct TrendScore: Sendable, Equatable {
    public var value: Double
    public var asOf: Date

    public init(value: Double = 0, asOf: Date = Date(timeIntervalSince1970: 0)) {
        self.value = value
        self.asOf = asOf
    }

    /// Adds `weight` at `time`: an earlier time adds it already decayed to ``asOf``; a later
    /// one decays the sum to `time` first.
    public mutating func add(_ weight: Double, at time: Date, halfLife: TimeInterval) {
        if time > asOf {
            value = value * Self.decay(time.timeIntervalSince(asOf), halfLife: halfLife) + weight
            asOf = time
        } else {
            value += weight * Self.decay(asOf.timeIntervalSince(time), halfLife: halfLife)
        }
    }

    /// The score at `time` (not before ``asOf``: no weight grows back).
    public func value(at time: Date, halfLife: TimeInterval) -> Double {
        value * Self.decay(max(0, time.timeIntervalSince(asOf)), halfLife: halfLife)
    }

    /// 2^(−age/halfLife).
    public static func decay(_ age: TimeInterval, halfLife: TimeInterval) -> Double {
        exp2(-age / halfLife)
    }
}
