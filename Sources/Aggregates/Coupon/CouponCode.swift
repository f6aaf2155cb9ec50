import Foundation

/// A coupon code as customers type it, normalised: upper case, letters A–Z, digits and `-`,
/// 3 to 32 characters. Codes compare case-insensitively because they are stored normalised,
/// and a code is its coupon's stream id, so it is unique across all promotions.
public struct CouponCode: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// - Throws: ``DomainError`` `validation.invalid_value`.
    public init(_ text: String) throws(DomainError) {
        let normalised = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard (3...32).contains(normalised.utf8.count),
              normalised.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else {
            throw DomainError(.invalidValue, "\"\(text.prefix(40))\" is not a coupon code (3-32 letters, digits or '-')")
        }
        rawValue = normalised
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

    /// `count` distinct random codes `PREFIX-XXXXXXXX` from an alphabet without look-alikes
    /// (no 0/O, 1/I/L), drawing from `random`.
    public static func generate(count: Int, prefix: String, using random: inout some RandomNumberGenerator) throws(DomainError) -> [CouponCode] {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        let head = prefix.isEmpty ? "" : prefix.uppercased() + "-"
        var codes: Set<CouponCode> = []
        var ordered: [CouponCode] = []
        while ordered.count < count {
            let body = String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
            let code = try CouponCode(head + body)
            if codes.insert(code).inserted { ordered.append(code) }
        }
        return ordered
    }
}
