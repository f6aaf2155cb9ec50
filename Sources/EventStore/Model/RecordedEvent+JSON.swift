extension RecordedEvent {
    /// Appends the event as a JSON object for people and tools reading history (the admin API,
    /// `commerce replay`): `position`, `stream`, `version`, `eventId`, `type`, `schemaVersion`,
    /// `data` (the stored object itself), `metadata` (`correlationId`, `causationId`, `actor`
    /// when known, and the extra members), `recordedAt` (RFC 3339, microseconds).
    public func appendJSON(to json: inout [UInt8]) {
        json.append(contentsOf: #"{"position":"#.utf8)
        JSONText.appendInteger(position, to: &json)
        json.append(contentsOf: #","stream":"#.utf8)
        JSONText.appendString(stream.rawValue, to: &json)
        json.append(contentsOf: #","version":"#.utf8)
        JSONText.appendInteger(version, to: &json)
        json.append(contentsOf: #","eventId":"#.utf8)
        JSONText.appendString(id.uuidString.lowercased(), to: &json)
        json.append(contentsOf: #","type":"#.utf8)
        JSONText.appendString(type, to: &json)
        json.append(contentsOf: #","schemaVersion":"#.utf8)
        JSONText.appendInteger(Int64(schemaVersion), to: &json)
        // The stored text is a JSON object already (the column's type guarantees it).
        json.append(contentsOf: #","data":"#.utf8)
        json.append(contentsOf: data.utf8)
        json.append(contentsOf: #","metadata":{"#.utf8)
        var members: [(String, String)] = []
        if let correlation = metadata.correlationID { members.append(("correlationId", correlation.uuidString.lowercased())) }
        if let causation = metadata.causationID { members.append(("causationId", causation.uuidString.lowercased())) }
        if let actor = metadata.actor { members.append(("actor", actor)) }
        members += metadata.extra.sorted { $0.key < $1.key }
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            JSONText.appendKey(key, to: &json)
            JSONText.appendString(value, to: &json)
        }
        json.append(contentsOf: #"},"recordedAt":"#.utf8)
        JSONText.appendString(RFC3339Time.format(recordedAt), to: &json)
        json.append(UInt8(ascii: "}"))
    }

    /// Appends `events` as a JSON array of ``appendJSON(to:)`` objects.
    public static func appendJSONArray(_ events: some Sequence<RecordedEvent>, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "["))
        for (index, event) in events.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            event.appendJSON(to: &json)
        }
        json.append(UInt8(ascii: "]"))
    }
}
