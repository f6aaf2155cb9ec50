import EventStore
import Hummingbird
import NIOCore

/// A report that answers JSON, or CSV when asked (`?format=csv`, or `Accept: text/csv`
/// without `?format=json`): a header row and one line per row, written to the client in chunks.
struct ReportBody<Value: Encodable & Sendable, Row: ReportRow>: ResponseGenerator {
    let value: Value
    /// The rows the CSV form carries.
    let rows: [Row]
    let fileName: String
    /// When set, `value` holds everything but the rows, and the JSON form lists the rows under
    /// this key, each written from its fields: a year of days is 730 rows, which a
    /// `JSONEncoder` first builds into a tree of dictionaries several times the answer's size.
    var rowsKey: String?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        guard Self.wantsCSV(request) else {
            guard let rowsKey else { return try JSONBody(value).response(from: request, context: context) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: try json(rowsKey: rowsKey)))
        }
        let rows = rows
        let body = ResponseBody { writer in
            var buffer = ByteBuffer(string: Self.line(Row.fieldNames.map(ReportField.text)))
            for row in rows {
                buffer.writeString(Self.line(row.fields))
                if buffer.readableBytes >= 16_384 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            try await writer.write(buffer)
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(fileName).csv\""],
            body: body
        )
    }

    /// `value`'s JSON object with the rows added under `rowsKey`.
    private func json(rowsKey: String) throws -> ByteBuffer {
        var json = Array(try StrictJSON.encoder.encode(value))
        guard json.last == UInt8(ascii: "}") else { throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "not an object")) }
        json.removeLast()
        if json.count > 1 { json.append(UInt8(ascii: ",")) }
        JSONText.appendString(rowsKey, to: &json)
        json.append(contentsOf: ":[".utf8)
        let keys = Row.jsonKeys
        for (index, row) in rows.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            row.appendJSONObject(keys: keys, to: &json)
        }
        json.append(contentsOf: "]}".utf8)
        return ByteBuffer(bytes: json)
    }

    static func wantsCSV(_ request: Request) -> Bool {
        switch request.uri.queryParameters["format"] {
        case "csv": true
        case "json": false
        default: request.headers[.accept]?.contains("text/csv") == true
        }
    }

    /// RFC 4180 fields; text that a spreadsheet would run as a formula is prefixed with `'`.
    /// Numbers and booleans are written as they are: they need neither.
    static func line(_ fields: [ReportField]) -> String {
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line += "," }
            guard case .text(var text) = field else {
                line += field.csvText
                continue
            }
            if let first = text.utf8.first, "=+-@\t\r".utf8.contains(first), Double(text) == nil { text = "'" + text }
            if text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
                line += "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                line += text
            }
        }
        return line + "\r\n"
    }
}
