import Foundation

/// Comma-separated values as RFC 4180 writes them: fields quoted with `"` when they hold a
/// comma, a quote or a line break, a quote inside doubled; lines end in CRLF or LF. A UTF-8 byte
/// order mark at the start (spreadsheets write one) is skipped.
public struct CSVTable: Sendable, Equatable {
    public struct Record: Sendable, Equatable {
        /// The line the record starts on, counting the header as line 1: what an error names.
        public let line: Int
        public let fields: [String]
    }

    public let header: [String]
    public let records: [Record]

    public struct Malformed: Error, Equatable {
        public let line: Int
        public let reason: String
    }

    public init(header: [String], records: [Record]) {
        self.header = header
        self.records = records
    }

    /// Reads `text`; blank lines between records are skipped.
    /// - Throws: ``Malformed`` for a quote left open or text after a closing quote.
    public init(parsing text: String) throws(Malformed) {
        var rows: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var quoted = false
        var wasQuoted = false
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        func endRecord() {
            fields.append(field)
            // A line with nothing on it is no record.
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { rows.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            wasQuoted = false
        }
        while let scalar = pending {
            pending = iterator.next()
            if quoted {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = iterator.next()
                    } else {
                        quoted = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(field)
                field = ""
                wasQuoted = false
            case "\r" where pending == "\n":
                continue
            case "\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            case "\"" where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
            default:
                if wasQuoted { throw Malformed(line: line, reason: "text after a closing quote") }
                field.unicodeScalars.append(scalar)
            }
        }
        if quoted { throw Malformed(line: recordLine, reason: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        guard let first = rows.first else {
            header = []
            records = []
            return
        }
        header = first.fields
        records = Array(rows.dropFirst())
    }

    /// The table as text, each line ending in CRLF; a field is quoted only when it must be.
    public func text() -> String {
        var text = ""
        func write(_ fields: [String]) {
            text += fields.map(Self.escaped).joined(separator: ",")
            text += "\r\n"
        }
        write(header)
        for record in records { write(record.fields) }
        return text
    }

    static func escaped(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
