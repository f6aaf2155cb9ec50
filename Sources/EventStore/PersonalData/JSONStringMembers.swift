/// The string members of one object inside a JSON object, found and replaced in the text
/// itself: every other byte stays as it was. Sealing and revealing personal fields this way
/// costs a scan of the event, where parsing it into Foundation objects and writing it again
/// (sorted keys through `NSString` comparisons) was a third of a checkout's CPU.
public struct JSONStringMembers: Sendable {
    public struct Member: Sendable {
        /// The literal's bytes in the text, quotes included.
        public let range: Range<Int>
        public let name: String
        public let value: String
    }

    public let bytes: [UInt8]
    public let members: [Member]

    /// The string members named `names` of the object at `path` (member names from the top; an
    /// object missing on the way has none). Nil when `json` is not one well-formed JSON object.
    public init?(_ json: String, object path: [String], names: Set<String>) {
        var scanner = JSONScanner(json)
        var members: [Member] = []
        func object(depth: Int) -> Bool {
            guard scanner.take(UInt8(ascii: "{")) else { return false }
            if scanner.take(UInt8(ascii: "}")) { return true }
            repeat {
                guard let name = scanner.string(), scanner.take(UInt8(ascii: ":")) else { return false }
                let next = scanner.peek()
                if depth < path.count, name == path[depth], next == UInt8(ascii: "{") {
                    guard object(depth: depth + 1) else { return false }
                } else if depth == path.count, names.contains(name), next == UInt8(ascii: "\"") {
                    let start = scanner.index
                    guard let value = scanner.string() else { return false }
                    members.append(Member(range: start..<scanner.index, name: name, value: value))
                } else {
                    guard scanner.skipValue() else { return false }
                }
            } while scanner.take(UInt8(ascii: ","))
            return scanner.take(UInt8(ascii: "}"))
        }
        guard object(depth: 0), scanner.atEnd else { return nil }
        bytes = scanner.bytes
        self.members = members
    }

    /// The text with each given member's literal replaced by its new value (escaped as JSON).
    public func replacing(_ values: [(member: Member, value: String)]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count + values.count * 64)
        var copied = 0
        for (member, value) in values.sorted(by: { $0.member.range.lowerBound < $1.member.range.lowerBound }) {
            text.append(contentsOf: bytes[copied..<member.range.lowerBound])
            JSONText.appendString(value, to: &text)
            copied = member.range.upperBound
        }
        text.append(contentsOf: bytes[copied...])
        return String(decoding: text, as: UTF8.self)
    }
}
