/// Writing JSON by hand where an encoder's generality costs too much: a report of hundreds of
/// rows, the lines of every cart a rebuild writes.
public enum JSONText {
    /// Appends `text` as a JSON string literal: quotes, backslashes and control characters
    /// escaped (RFC 8259 §7), everything else — UTF-8 included — as it is.
    public static func appendString(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                json.append(UInt8(ascii: "\\"))
                json.append(byte)
            case ..<0x20:
                json.append(contentsOf: "\\u00".utf8)
                json.append(hexDigits[Int(byte >> 4)])
                json.append(hexDigits[Int(byte & 0xF)])
            default:
                json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    /// Appends `"name":` for an object member.
    public static func appendKey(_ name: String, to json: inout [UInt8]) {
        appendString(name, to: &json)
        json.append(UInt8(ascii: ":"))
    }

    public static func appendInteger(_ value: Int64, to json: inout [UInt8]) {
        json.append(contentsOf: String(value).utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
