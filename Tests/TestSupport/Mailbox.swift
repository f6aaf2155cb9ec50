import Foundation

/// The messages the development SMTP server kept (`SMTP_MAILDIR`, one .eml file each), read as
/// a test's recipient sees them. Tests share the server, so each reads only its own addresses.
public struct Mailbox: Sendable {
    public struct Message: Sendable {
        public let headers: [String: String]
        /// The text/plain part, quoted-printable decoded.
        public let text: String
        /// The text/html part, decoded.
        public let html: String
        public let raw: String

        public var subject: String { headers["subject"] ?? "" }
        public var messageID: String { headers["message-id"] ?? "" }

        /// The token after "code: " in the text.
        public var token: String? {
            guard let range = text.range(of: "code: ") else { return nil }
            return String(text[range.upperBound...].prefix { !$0.isWhitespace })
        }
    }

    public let directory: URL

    public init(directory: URL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SMTP_MAILDIR"] ?? "/nonexistent")) {
        self.directory = directory
    }

    /// Every message to `address`, oldest first.
    public func messages(to address: String) -> [Message] {
        all().filter { message in
            let recipients = (message.headers["x-envelope-to"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return recipients.contains(address.lowercased())
        }
    }

    /// Every message kept, oldest first.
    public func all() -> [Message] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }.sorted()
        return names.compactMap { name -> Message? in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
            return Self.parse(String(decoding: data, as: UTF8.self))
        }
    }

    /// Waits until `address` has at least `count` messages; returns them.
    public func waitForMessages(to address: String, count: Int = 1, timeout: Duration = .seconds(60)) async throws -> [Message] {
        try await waitUntil(timeout: timeout, interval: .milliseconds(50)) { messages(to: address).count >= count }
        return messages(to: address)
    }

    /// The `boundary="…"` parameter of a multipart content type. Read without a regex literal:
    /// building one crashed the test process (SIGILL in the regex runtime) while tests parsed
    /// mail side by side.
    static func boundary(in contentType: String) -> String? {
        guard let start = contentType.range(of: "boundary=\"") else { return nil }
        let rest = contentType[start.upperBound...]
        guard let end = rest.firstIndex(of: "\""), end > rest.startIndex else { return nil }
        return String(rest[..<end])
    }

    public static func parse(_ raw: String) -> Message {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let (head, body) = split(normalized)
        let headers = parseHeaders(head)
        var text = "", html = ""
        if let type = headers["content-type"], let boundary = Self.boundary(in: type) {
            for part in body.components(separatedBy: "--\(boundary)") {
                var (partHead, partBody) = split(part.drop(while: { $0 == "\n" }).description)
                // The line break before the next boundary belongs to the boundary (RFC 2046 §5.1.1).
                if partBody.hasSuffix("\n") { partBody.removeLast() }
                let partHeaders = parseHeaders(partHead)
                let decoded = partHeaders["content-transfer-encoding"] == "quoted-printable" ? decodeQuotedPrintable(partBody) : partBody
                if partHeaders["content-type"]?.hasPrefix("text/plain") == true { text = decoded }
                if partHeaders["content-type"]?.hasPrefix("text/html") == true { html = decoded }
            }
        } else {
            text = body
        }
        return Message(headers: headers, text: text, html: html, raw: raw)
    }

    private static func split(_ text: String) -> (String, String) {
        guard let range = text.range(of: "\n\n") else { return (text, "") }
        return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
    }

    private static func parseHeaders(_ head: String) -> [String: String] {
        var headers: [String: String] = [:]
        var last: String?
        for line in head.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.first == " " || line.first == "\t", let last {
                headers[last, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = name
            }
        }
        return headers
    }

    /// Written here from RFC 2045, independently of the code under test.
    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.replacingOccurrences(of: "=\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), index + 2 < input.count, let byte = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(byte)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
