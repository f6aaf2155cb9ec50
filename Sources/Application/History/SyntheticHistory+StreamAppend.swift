import Aggregates
import EventStore

extension SyntheticHistory.Append {
    /// The append for the event store: each event carries its time in the history as its
    /// business time (``BusinessTime``), so reports put it on its own day.
    public func streamAppend(expectedVersion: ExpectedVersion = .any, actor: String = "synthetic-history") throws -> StreamAppend {
        let newEvents = zip(events, occurredAt).map { event, time in
            var metadata = EventMetadata(actor: actor)
            metadata.occurredAt = time
            return NewEvent(type: event.type, schemaVersion: Int32(event.schemaVersion), data: event.json, metadata: metadata)
        }
        return StreamAppend(stream: try StreamName(stream), expectedVersion: expectedVersion, events: newEvents)
    }
}

extension SyntheticHistory {
    /// One multi-stream append from many synthetic appends: each stream's events together, in
    /// order (a multi-stream append names each stream once).
    public static func streamAppends(_ appends: [Append]) throws -> [StreamAppend] {
        var streams: [String] = []
        var merged: [String: StreamAppend] = [:]
        for append in appends {
            let part = try append.streamAppend()
            if merged[append.stream] == nil {
                streams.append(append.stream)
                merged[append.stream] = part
            } else {
                merged[append.stream]!.events += part.events
            }
        }
        return streams.map { merged[$0]! }
    }
}
