/// Reads and writes a JSON object whose values are all strings — what an event's metadata column
/// holds — without `JSONDecoder`, which costs more than the rest of decoding a stored event
/// together (every event read back carries at least its business time there), or
/// `JSONEncoder`, which was 1.7 % of the lag benchmark's process samples, once per appended event.
enum FlatJSONObject {
    /// The members as a JSON object, keys in ascending order: the text `JSONEncoder` with
    /// `.sortedKeys` writes (`"`, `\` and `/` escaped, control characters as `\b \f \n \r \t`
    /// or `\u00XX`, everything else as it is).
    static func text(_ members: [String: String]) -> String {
        guard !members.isEmpty else { return "{}" }
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(64)
        for (index, (key, value)) in members.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// As ``JSONText/appendString(_:to:)``, but escaping as `JSONEncoder` does (`/`, and the
    /// short escapes), which that one need not.
    private static func appendString(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The object's members, or nil when the text is not such an object. A repeated key keeps
    /// its first value, as `JSONDecoder` does (jsonb, which the column is, never repeats one).
    static func parse(_ text: String) -> [String: String]? {
        var scanner = JSONScanner(text)
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var members: [String: String] = [:]
        if scanner.take(UInt8(ascii: "}")) { return scanner.atEnd ? members : nil }
        repeat {
            guard let key = scanner.string(), scanner.take(UInt8(ascii: ":")), let value = scanner.string() else { return nil }
            if members[key] == nil { members[key] = value }
        } while scanner.take(UInt8(ascii: ","))
        guard scanner.take(UInt8(ascii: "}")), scanner.atEnd else { return nil }
        return members
    }

    /// The value of `key` in the object (its first, if repeated), or nil when the key is absent
    /// or the text is not such an object — as `parse(text)?[key]`, without making the others.
    static func value(_ key: String, in text: String) -> String? {
        var scanner = JSONScanner(text)
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        if scanner.take(UInt8(ascii: "}")) { return nil }
        var found: String?
        repeat {
            guard let name = scanner.string(), scanner.take(UInt8(ascii: ":")), let value = scanner.string() else { return nil }
            if found == nil, name == key { found = value }
        } while scanner.take(UInt8(ascii: ","))
        guard scanner.take(UInt8(ascii: "}")), scanner.atEnd else { return nil }
        return found
    }
}
