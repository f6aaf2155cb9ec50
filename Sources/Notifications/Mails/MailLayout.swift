import Foundation
import Mail

/// The one layout every mail uses: paragraphs, an optional table of rows, an optional link,
/// a closing line; written once as text and once as HTML (escaped), so both parts say the same.
public struct MailLayout: Sendable {
    public var paragraphs: [String]
    /// Label and value pairs (order lines, totals), shown as a table in HTML.
    public var rows: [(String, String)]
    public var link: (title: String, url: String)?
    public var code: String?
    public var closing: String?

    public init(paragraphs: [String], rows: [(String, String)] = [], link: (title: String, url: String)? = nil, code: String? = nil, closing: String? = nil) {
        self.paragraphs = paragraphs
        self.rows = rows
        self.link = link
        self.code = code
        self.closing = closing
    }

    public var text: String {
        var blocks = paragraphs
        if !rows.isEmpty {
            let width = rows.map(\.0.count).max() ?? 0
            blocks.append(rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n"))
        }
        if let link { blocks.append("\(link.title): \(link.url)") }
        if let code { blocks.append(code) }
        if let closing { blocks.append(closing) }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    public var html: String {
        var html = paragraphs.map { "<p>\(HTML.escape($0))</p>" }
        if !rows.isEmpty {
            html.append("<table>" + rows.map { "<tr><td>\(HTML.escape($0.0))</td><td align=\"right\">\(HTML.escape($0.1))</td></tr>" }.joined() + "</table>")
        }
        if let link { html.append("<p><a href=\"\(HTML.escape(link.url))\">\(HTML.escape(link.title))</a></p>") }
        if let code { html.append("<p><code>\(HTML.escape(code))</code></p>") }
        if let closing { html.append("<p>\(HTML.escape(closing))</p>") }
        return "<!DOCTYPE html><html><body>" + html.joined() + "</body></html>\n"
    }

    /// The message, from `sender` to `recipient`.
    public func message(from sender: MailAddress, to recipient: String, subject: String, messageID: String, language: String? = nil, unsubscribeURL: String? = nil) -> MailMessage {
        MailMessage(from: sender, to: MailAddress(recipient), subject: subject, text: text, html: html, messageID: messageID, language: language, unsubscribeURL: unsubscribeURL)
    }
}
