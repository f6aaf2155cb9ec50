import Foundation

/// Quoted-printable (RFC 2045 §6.7) for UTF-8 bodies: lines of at most 76 characters, so
/// that any body survives SMTP's line limit and 8-bit-unsafe relays.
enum QuotedPrintable {
    static func encode(_ text: String) -> String {
        var output: [String] = []
        // Line breaks of any style become the CRLF of the encoded text.
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            var encoded = ""
            var width = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                // Printable ASCII but "=" stays; a space or tab stays unless it ends the line.
                let plain = (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast)
                let piece = plain ? String(UnicodeScalar(byte)) : "=" + hex(byte)
                // A soft break ("=" at the end) keeps each line within 76 characters.
                if width + piece.count > 75 {
                    encoded += "=\r\n"
                    width = 0
                }
                encoded += piece
                width += piece.count
            }
            output.append(encoded)
        }
        return output.joined(separator: "\r\n")
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
