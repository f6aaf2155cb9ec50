import Foundation

/// The lines of an audit export (NDJSON): enough for an auditor to re-verify the hash chains
/// of what it holds with nothing but the file (`scripts/verify_export.py`; README "Audit").
///
/// 1. `{"kind":"export", "format":"commerce-audit-export", "formatVersion":1, "scope":…, "wholeLog":…, "fromPosition":…, "toPosition":…, "exportedAt":…}`
/// 2. before a stream's first event: `{"kind":"anchor", "stream":…, "version":…, "hash":…}`, the
///    link the stream's first exported event continues (version 0 and 32 zero bytes at its start)
/// 3. each event, in global order: `{"kind":"event", "position", "stream", "version", "eventId",
///    "type", "schemaVersion", "data", "metadata", "correlationId", "causationId", "actor",
///    "recordedAtMicros", "recordedAt", "hash"}` — `data` and `metadata` are JSON *text*, exactly
///    the bytes the hash covers; absent ids and actor are null (empty in the canonical text)
/// 4. `{"kind":"end", "events":…, "streams":…, "lastPosition":…}`: a cut-off file is seen.
enum AuditExportFormat {
    static func header(_ scope: AuditScope, exportedAt: Date) -> [UInt8] {
        var line: [UInt8] = Array(#"{"kind":"export","format":"commerce-audit-export","formatVersion":1,"#.utf8)
        JSONText.appendKey("scope", to: &line)
        JSONText.appendString(scope.description, to: &line)
        line.append(contentsOf: #","wholeLog":"#.utf8)
        line.append(contentsOf: (scope.isWholeLog ? "true" : "false").utf8)
        line.append(contentsOf: #","fromPosition":"#.utf8)
        JSONText.appendInteger(scope.fromPosition, to: &line)
        line.append(contentsOf: #","toPosition":"#.utf8)
        JSONText.appendInteger(scope.toPosition ?? 0, to: &line)
        line.append(contentsOf: #","exportedAt":"#.utf8)
        JSONText.appendString(exportedAt.formatted(.iso8601), to: &line)
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    static func appendAnchor(stream: String, link: ChainWalker.Link, to line: inout [UInt8]) {
        line.append(contentsOf: #"{"kind":"anchor","stream":"#.utf8)
        JSONText.appendString(stream, to: &line)
        line.append(contentsOf: #","version":"#.utf8)
        JSONText.appendInteger(link.version, to: &line)
        line.append(contentsOf: #","hash":""#.utf8)
        line.append(contentsOf: link.hash.bytes.hexString.utf8)
        line.append(contentsOf: "\"}\n".utf8)
    }

    static func appendEvent(_ index: Int, of page: CanonicalPage, to line: inout [UInt8]) {
        line.append(contentsOf: #"{"kind":"event","position":"#.utf8)
        JSONText.appendInteger(page.positions[index], to: &line)
        line.append(contentsOf: #","stream":"#.utf8)
        JSONText.appendString(page.streams[index], to: &line)
        line.append(contentsOf: #","version":"#.utf8)
        JSONText.appendInteger(page.versions[index], to: &line)
        line.append(contentsOf: #","eventId":"#.utf8)
        JSONText.appendString(page.field(index, .eventID), to: &line)
        line.append(contentsOf: #","type":"#.utf8)
        JSONText.appendString(page.field(index, .type), to: &line)
        line.append(contentsOf: #","schemaVersion":"#.utf8)
        line.append(contentsOf: page.field(index, .schemaVersion).utf8)
        line.append(contentsOf: #","data":"#.utf8)
        JSONText.appendString(page.field(index, .data), to: &line)
        line.append(contentsOf: #","metadata":"#.utf8)
        JSONText.appendString(page.field(index, .metadata), to: &line)
        for (key, field) in [("correlationId", CanonicalPage.Field.correlationID), ("causationId", .causationID), ("actor", .actor)] {
            let value = page.field(index, field)
            line.append(UInt8(ascii: ","))
            JSONText.appendKey(key, to: &line)
            if value.isEmpty { line.append(contentsOf: "null".utf8) } else { JSONText.appendString(value, to: &line) }
        }
        let micros = page.field(index, .recordedMicros)
        line.append(contentsOf: #","recordedAtMicros":"#.utf8)
        line.append(contentsOf: micros.utf8)
        if let micros = Int64(micros) {
            line.append(contentsOf: #","recordedAt":"#.utf8)
            JSONText.appendString(Date(timeIntervalSince1970: Double(micros) / 1_000_000).formatted(millisecondsStyle), to: &line)
        }
        line.append(contentsOf: #","hash":""#.utf8)
        line.append(contentsOf: page.storedHashes[index].bytes.hexString.utf8)
        line.append(contentsOf: "\"}\n".utf8)
    }

    /// For people reading the file; the hash covers `recordedAtMicros`.
    private static let millisecondsStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func end(events: Int, streams: Int, lastPosition: Int64) -> [UInt8] {
        Array(#"{"kind":"end","events":\#(events),"streams":\#(streams),"lastPosition":\#(lastPosition)}"#.utf8) + [UInt8(ascii: "\n")]
    }
}
