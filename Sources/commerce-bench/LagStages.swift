import Synchronization

/// When each event passed each stage on its way to the read models, by global position: what
/// the relay and the projector report through their `published` and `applied` hooks.
final class LagStages: Sendable {
    struct Stamps {
        var read: ContinuousClock.Instant?
        var confirmed: ContinuousClock.Instant?
        var polled: ContinuousClock.Instant?
        /// By read model: the projector commits its stages one after another.
        var committed: [String: ContinuousClock.Instant] = [:]
    }

    /// One event's way: the seconds each stage took, in order (store → relay read, relay → broker
    /// confirmation, broker → projector poll, projector commit — when it is visible to readers).
    static let names = ["store→relay read", "relay→broker ack", "broker→projector", "projector commit"]

    private let stamps = Mutex<[Int64: Stamps]>([:])

    func published(_ positions: [Int64], read: ContinuousClock.Instant, confirmed: ContinuousClock.Instant) {
        stamps.withLock { stamps in
            for position in positions {
                stamps[position, default: Stamps()].read = read
                stamps[position, default: Stamps()].confirmed = confirmed
            }
        }
    }

    /// The first application counts (a redelivered copy does not make an event visible again).
    func applied(_ readModels: [String], _ positions: [Int64], polled: ContinuousClock.Instant, committed: ContinuousClock.Instant) {
        stamps.withLock { stamps in
            for position in positions {
                var stamp = stamps[position, default: Stamps()]
                if stamp.polled == nil { stamp.polled = polled }
                for readModel in readModels where stamp.committed[readModel] == nil { stamp.committed[readModel] = committed }
                stamps[position] = stamp
            }
        }
    }

    /// The seconds of each stage for an event appended at `appended`; nil when a hook did not
    /// report it. A stage that overlaps the one before (the projector may poll a message before
    /// the relay hears the broker's confirmation) counts 0.
    func stages(of position: Int64, in readModel: String, appended: ContinuousClock.Instant) -> [Double]? {
        guard let stamp = stamps.withLock({ $0[position] }), let read = stamp.read, let confirmed = stamp.confirmed,
              let polled = stamp.polled, let committed = stamp.committed[readModel] else { return nil }
        var last = appended
        return [read, confirmed, polled, committed].map { instant in
            let stage = max(.zero, instant - last)
            last = max(last, instant)
            return stage.inSeconds
        }
    }
}
