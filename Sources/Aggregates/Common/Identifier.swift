/// A typed identifier: `Identifier<Product>` and `Identifier<Cart>` are different types, so an
/// order id cannot be passed where a cart id is expected.
///
/// Letters, digits, `-` and `_`, 1 to 64 characters: safe inside a stream name and a URL.
public struct Identifier<Tag>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// - Throws: ``DomainError`` `validation.invalid_id`.
    public init(_ rawValue: String) throws(DomainError) {
        guard (1...64).contains(rawValue.utf8.count), rawValue.utf8.allSatisfy(Self.isAllowed) else {
            throw DomainError(.invalidID, "\"\(rawValue.prefix(70))\" is not a valid id (1-64 letters, digits, '-' or '_')")
        }
        self.rawValue = rawValue
    }

    /// An ASCII letter or digit, `-` or `_`. Tested byte by byte: every id of every event and
    /// request goes through here, and looking up Unicode properties per character cost a rebuild
    /// several percent of its time. A byte of a multi-byte UTF-8 character is never allowed.
    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }

    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(value) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Dictionaries keyed by an identifier (an inventory's reservations by order) encode as JSON
/// objects, not as arrays of alternating keys and values.
extension Identifier: CodingKeyRepresentable {
    public var codingKey: any CodingKey { AnyCodingKey(stringValue: rawValue) }

    public init?<T: CodingKey>(codingKey: T) {
        guard let identifier = try? Self(codingKey.stringValue) else { return nil }
        self = identifier
    }

    private struct AnyCodingKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

public enum ProductTag {}
public enum CartTag {}
public enum OrderTag {}
public enum PaymentTag {}
public enum CustomerTag {}
public enum SKUTag {}
public enum PromotionTag {}
public enum ReviewTag {}
public enum WishlistTag {}
public enum CategoryTag {}

public typealias ProductID = Identifier<ProductTag>
public typealias CartID = Identifier<CartTag>
public typealias OrderID = Identifier<OrderTag>
public typealias PaymentID = Identifier<PaymentTag>
public typealias CustomerID = Identifier<CustomerTag>
public typealias PromotionID = Identifier<PromotionTag>
public typealias ReviewID = Identifier<ReviewTag>
/// One of a customer's wish lists (`default` for the one every customer has).
public typealias WishlistID = Identifier<WishlistTag>
/// A category of the shop's tree (``CategoryTree``).
public typealias CategoryID = Identifier<CategoryTag>
/// A stock-keeping unit: one sellable variant of a product, and one inventory stream.
public typealias SKU = Identifier<SKUTag>
