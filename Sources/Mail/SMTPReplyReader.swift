import NIOCore

/// Reads SMTP replies from a connection's bytes: lines up to CRLF, a reply ending at the line
/// whose code is followed by a space (RFC 5321 §4.2.1: "250-…" continues, "250 …" ends).
struct SMTPReplyReader {
    private var bytes: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffered = ByteBuffer()

    init(_ bytes: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.bytes = bytes
    }

    mutating func next() async throws -> SMTPReply {
        var text: [String] = []
        while true {
            let line = try await nextLine()
            let characters = Array(line.utf8)
            guard characters.count >= 3, let code = Int(String(decoding: characters.prefix(3), as: UTF8.self)) else {
                throw MailError.transient("SMTP: malformed reply line \(line.prefix(80).debugDescription)")
            }
            text.append(String(decoding: characters.dropFirst(4), as: UTF8.self))
            if characters.count == 3 || characters[3] == UInt8(ascii: " ") {
                return SMTPReply(code: code, lines: text)
            }
        }
    }

    private mutating func nextLine() async throws -> String {
        while true {
            if let end = buffered.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = end - buffered.readerIndex + 1
                let line = buffered.readString(length: length) ?? ""
                // "\r\n" is one Character in Swift, as is a lone "\n": one drop takes either.
                return String(line.dropLast())
            }
            guard var chunk = try await bytes.next() else {
                throw MailError.transient("SMTP: the server closed the connection")
            }
            buffered.writeBuffer(&chunk)
        }
    }
}
