/// Reads a JSON object whose values are all strings — what an event's metadata column holds —
/// without `JSONDecoder`, which costs more than the rest of decoding a stored event together
/// (every event read back carries at least its business time there).
enum FlatJSONObject {
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
