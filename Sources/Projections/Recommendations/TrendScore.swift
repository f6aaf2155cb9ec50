import Foundation

/// A sum of weights that halve every `halfLife`: Σ wᵢ · 2^(−(t − tᵢ)/halfLife), kept as its value
/// at `asOf` (the latest time added) so that adding is one multiplication, in any order of times.
/// Times count in whole milliseconds, as business times are stored.
public struct TrendScore: Sendable, Equatable {
    public var value: Double
    public private(set) var asOfMilliseconds: Int64

    public var asOf: Date { Date(timeIntervalSince1970: Double(asOfMilliseconds) / 1000) }

    public init(value: Double = 0, asOf: Date = Date(timeIntervalSince1970: 0)) {
        self.value = value
        asOfMilliseconds = Self.milliseconds(asOf)
    }

    /// Adds `weight` at `time`: an earlier time adds it already decayed to ``asOf``; a later
    /// one decays the sum to `time` first.
    public mutating func add(_ weight: Double, at time: Date, halfLife: TimeInterval) {
        let at = Self.milliseconds(time)
        if at > asOfMilliseconds {
            value = value * Self.decay(Double(at - asOfMilliseconds) / 1000, halfLife: halfLife) + weight
            asOfMilliseconds = at
        } else {
            value += weight * Self.decay(Double(asOfMilliseconds - at) / 1000, halfLife: halfLife)
        }
    }

    /// The score at `time` (not before ``asOf``: no weight grows back).
    public func value(at time: Date, halfLife: TimeInterval) -> Double {
        value * Self.decay(Double(max(0, Self.milliseconds(time) - asOfMilliseconds)) / 1000, halfLife: halfLife)
    }

    /// 2^(−age/halfLife).
    public static func decay(_ age: TimeInterval, halfLife: TimeInterval) -> Double {
        exp2(-age / halfLife)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
