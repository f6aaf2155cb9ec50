/// A stream's name, `<category>-<id>`: `cart-7f3a…`, `inventory-SKU-123`.
///
/// The category (the part before the first `-`) decides the Kafka topic and lets readers
/// follow one kind of aggregate. It is lower-case letters and digits, starting with a letter;
/// the id is any printable text without spaces.
public struct StreamName: Hashable, Sendable, CustomStringConvertible, Codable {
    public static let maximumLength = 200

    public let rawValue: String

    /// - Throws: ``EventStoreError`` `.invalidStreamName` saying what is wrong.
    public init(_ rawValue: String) throws(EventStoreError) {
        if let problem = Self.problem(with: rawValue) {
            throw EventStoreError(.invalidStreamName, "invalid stream name \"\(rawValue.prefix(80))\": \(problem)")
        }
        self.rawValue = rawValue
    }

    /// For names read back from the database, which were validated when they were written.
    init(trusted rawValue: String) {
        self.rawValue = rawValue
    }

    /// A stream of `category` for an aggregate id; the caller guarantees both parts are valid.
    public init(category: String, id: String) throws(EventStoreError) {
        try self.init("\(category)-\(id)")
    }

    // The category ends at the first `-` byte, as PostgreSQL's `split_part(name, '-', 1)` ends
    // `events.stream_category`, even where a combining mark follows it (a `Character` "-́" is
    // no "-"); read by bytes, too, which the relay and the projector do for every event.
    public var category: Substring {
        rawValue[..<(rawValue.utf8.firstIndex(of: UInt8(ascii: "-")) ?? rawValue.endIndex)]
    }

    public var id: Substring {
        guard let dash = rawValue.utf8.firstIndex(of: UInt8(ascii: "-")) else { return rawValue[rawValue.endIndex...] }
        return rawValue[rawValue.utf8.index(after: dash)...]
    }
    public var description: String { rawValue }

    static func problem(with name: String) -> String? {
        guard !name.isEmpty else { return "it is empty" }
        guard name.utf8.count <= maximumLength else { return "longer than \(maximumLength) bytes" }
        // By bytes, split where ``category`` splits; only an id with other than ASCII in it has
        // its scalars' Unicode properties looked up (the projector checks every event's name).
        guard let dash = name.utf8.firstIndex(of: UInt8(ascii: "-")) else { return "expected <category>-<id>" }
        let category = name.utf8[..<dash]
        guard let first = category.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return "the category must start with a lower-case letter"
        }
        guard category.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return "the category may hold only lower-case letters and digits"
        }
        let id = name[name.utf8.index(after: dash)...]
        guard !id.isEmpty else { return "the id after the category is empty" }
        let printable = id.utf8.allSatisfy { $0 < 0x80 }
            ? id.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
            : id.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && !$0.properties.isWhitespace }
        guard printable else { return "the id may not contain spaces or control characters" }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(String.self)
        try self.init(value)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
