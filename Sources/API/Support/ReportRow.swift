import EventStore
import Foundation

/// A report row as the CSV and the streamed JSON forms write it: named fields, typed so that
/// JSON keeps numbers numbers.
protocol ReportRow: Sendable {
    /// The column names, which are also the JSON keys.
    static var fieldNames: [String] { get }
    var fields: [ReportField] { get }
}

extension ReportRow {
    /// Each field name as a JSON key followed by its colon, ready to copy into every row.
    static var jsonKeys: [[UInt8]] {
        fieldNames.map { name in
            var key: [UInt8] = []
            JSONText.appendKey(name, to: &key)
            return key
        }
    }

    /// Appends the row as a JSON object, keys in column order, absent fields left out.
    func appendJSONObject(keys: [[UInt8]], to json: inout [UInt8]) {
        json.append(UInt8(ascii: "{"))
        var first = true
        for (key, field) in zip(keys, fields) {
            if case .absent = field { continue }
            if !first { json.append(UInt8(ascii: ",")) }
            first = false
            json.append(contentsOf: key)
            field.appendJSON(to: &json)
        }
        json.append(UInt8(ascii: "}"))
    }
}
