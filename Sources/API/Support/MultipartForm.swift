import Foundation

/// A `multipart/form-data` body (RFC 7578) split into its parts: each part's field name, file
/// name and type from its headers, and its bytes as sent.
struct MultipartForm {
    struct Part {
        let name: String
        let fileName: String?
        let contentType: String?
        let data: Data
    }

    let parts: [Part]

    func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The text of a field, as UTF-8; nil when the form has no such field.
    func text(_ name: String) throws -> String? {
        guard let part = part(name) else { return nil }
        guard let text = String(bytes: part.data, encoding: .utf8) else {
            throw Problem.badRequest("invalid_field", "\(name) is not UTF-8 text", field: name)
        }
        return text
    }

    /// - Parameter contentType: the request's Content-Type, which names the boundary.
    init(contentType: String?, body: [UInt8]) throws {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw Problem(.unsupportedMediaType, "unsupported_media_type", "send the upload as multipart/form-data")
        }
        guard let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty, boundary.count <= 70 else {
            throw Self.malformed("the Content-Type names no boundary")
        }
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        guard var start = Self.find(delimiter, in: body, from: 0) else { throw Self.malformed("the body holds no part") }
        while true {
            var cursor = start + delimiter.count
            // "--" after a delimiter ends the body.
            if body.count >= cursor + 2, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") { break }
            guard body.count >= cursor + 2, body[cursor] == 13, body[cursor + 1] == 10 else { throw Self.malformed("a boundary is not followed by a line break") }
            cursor += 2
            guard let headersEnd = Self.find([13, 10, 13, 10], in: body, from: cursor) else { throw Self.malformed("a part's headers do not end") }
            guard let next = Self.find([13, 10] + delimiter, in: body, from: headersEnd + 4) else { throw Self.malformed("the last part is not closed by the boundary") }
            let headers = String(decoding: body[cursor..<headersEnd], as: UTF8.self)
            var disposition: String?
            var type: String?
            for line in headers.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                switch line[..<colon].lowercased() {
                case "content-disposition": disposition = value
                case "content-type": type = value
                default: break
                }
            }
            guard let disposition, disposition.lowercased().hasPrefix("form-data"), let name = Self.parameter("name", in: disposition) else {
                throw Self.malformed("a part has no Content-Disposition: form-data with a name")
            }
            parts.append(Part(name: name, fileName: Self.parameter("filename", in: disposition), contentType: type, data: Data(body[(headersEnd + 4)..<next])))
            start = next + 2
        }
        self.parts = parts
    }

    private static func malformed(_ reason: String) -> Problem {
        Problem.badRequest("malformed_multipart", "the multipart body is malformed: \(reason)")
    }

    /// A header parameter's value (`name="file"`, `boundary=abc`), quotes taken off.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// Where `needle` first starts in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = from
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return index }
            }
            index += 1
        }
        return nil
    }
}
