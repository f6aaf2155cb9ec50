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

    public var category: Substring { rawValue.prefix { $0 != "-" } }
    public var id: Substring { rawValue.drop { $0 != "-" }.dropFirst() }
    public var description: String { rawValue }

    static func problem(with name: String) -> String? {
        guard !name.isEmpty else { return "it is empty" }
        guard name.utf8.count <= maximumLength else { return "longer than \(maximumLength) bytes" }
        guard let dash = name.firstIndex(of: "-") else { return "expected <category>-<id>" }
        let category = name[..<dash]
        guard let first = category.unicodeScalars.first, ("a"..."z").contains(first) else {
            return "the category must start with a lower-case letter"
        }
        guard category.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) }) else {
            return "the category may hold only lower-case letters and digits"
        }
        let id = name[name.index(after: dash)...]
        guard !id.isEmpty else { return "the id after the category is empty" }
        guard id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !$0.properties.isWhitespace }) else {
            return "the id may not contain spaces or control characters"
        }
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
