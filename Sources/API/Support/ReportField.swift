import EventStore

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
        case .text(let text): JSONText.appendString(text, to: &json)
        case .integer(let value): JSONText.appendInteger(value, to: &json)
        case .number(let value): json.append(contentsOf: (value.isFinite ? String(value) : "null").utf8)
        case .boolean(let value): json.append(contentsOf: (value ? "true" : "false").utf8)
        case .absent: json.append(contentsOf: "null".utf8)
        }
    }
}
