import EventStore
import Foundation

/// A report row as the CSV and the streamed JSON forms write it: named fields, typed so that
/// JSON keeps numbers numbers.
protocol ReportRow: Sendable {
    /// The column names, which are also the JSON keys.
    static var fieldNames: [String] { get }
    var fields: [ReportField] { get }
}

/// One value of a report row.
enum ReportField: Sendable {
    case text(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    /// Left out of JSON (as an optional property nil is), an empty CSV field.
    case absent

    static func optional<Value>(_ value: Value?, _ field: (Value) -> ReportField) -> ReportField {
        value.map(field) ?? .absent
    }

    /// The CSV text; numbers as Swift prints them, which JSON and spreadsheets both read.
    var csvText: String {
        switch self {
        case .text(let text): text
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .boolean(let value): String(value)
        case .absent: ""
        }
    }

    /// Appends the JSON value (not for `.absent`, which has none: `null`).
    func appendJSON(to json: inout [UInt8]) {
        switch self {
        case .text(let text): Self.appendJSONString(text, to: &json)
        case .integer(let value): JSONText.appendInteger(value, to: &json)
        case .number(let value): json.append(contentsOf: (value.isFinite ? String(value) : "null").utf8)
        case .boolean(let value): json.append(contentsOf: (value ? "true" : "false").utf8)
        case .absent: json.append(contentsOf: "null".utf8)
        }
    }

    static func appendJSONString(_ text: String, to json: inout [UInt8]) {
        JSONText.appendString(text, to: &json)
    }
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
