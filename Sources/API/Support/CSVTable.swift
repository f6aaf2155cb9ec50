import Hummingbird
import NIOCore

/// A report row as CSV: the header names and each row's fields.
protocol CSVRow: Sendable {
    static var csvHeader: [String] { get }
    var csvFields: [String] { get }
}

/// A report that answers JSON, or CSV when asked (`?format=csv`, or `Accept: text/csv`
/// without `?format=json`): a header row and one line per row, written to the client in chunks.
struct ReportBody<Value: Encodable & Sendable, Row: CSVRow>: ResponseGenerator {
    let value: Value
    /// The rows the CSV form carries.
    let rows: [Row]
    let fileName: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        guard Self.wantsCSV(request) else { return try JSONBody(value).response(from: request, context: context) }
        let rows = rows
        let body = ResponseBody { writer in
            var buffer = ByteBuffer(string: Self.line(Row.csvHeader))
            for row in rows {
                buffer.writeString(Self.line(row.csvFields))
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

    static func wantsCSV(_ request: Request) -> Bool {
        switch request.uri.queryParameters["format"] {
        case "csv": true
        case "json": false
        default: request.headers[.accept]?.contains("text/csv") == true
        }
    }

    /// RFC 4180 fields; text that a spreadsheet would run as a formula is prefixed with `'`.
    static func line(_ fields: [String]) -> String {
        fields.map { field -> String in
            var field = field
            if let first = field.first, "=+-@\t\r".contains(first), Double(field) == nil { field = "'" + field }
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}
