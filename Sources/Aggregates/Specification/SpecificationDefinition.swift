/// A kind of product specification the shop describes its products by ("Weight", a number in
/// kg; "Material", one of cotton, wool, linen; "Care", free text), kept in
/// ``SpecificationCatalog``. A product's values are checked against it when set.
public struct SpecificationDefinition: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Free text, at most 500 characters.
        case text
        /// A decimal number (at most 6 places) in ``unit``.
        case number
        /// One of ``options``.
        case option
    }

    /// Letters, digits and `_`, starting with a letter: how products and filters name it.
    public var key: String
    public var label: String
    public var kind: Kind
    /// For a number: its unit ("kg", "cm"); none for a plain count.
    public var unit: String?
    /// For an option: the values allowed, in the order shown.
    public var options: [String]?

    public init(key: String, label: String, kind: Kind, unit: String? = nil, options: [String]? = nil) {
        self.key = key
        self.label = label
        self.kind = kind
        self.unit = unit
        self.options = options
    }

    /// The value as products store it: a number in its shortest decimal form ("1.50" → "1.5"),
    /// an option as the definition spells it (matched without regard to case), text as given.
    /// - Throws: ``DomainError`` `validation.invalid_value` naming the key.
    public func canonical(_ value: String) throws(DomainError) -> String {
        switch kind {
        case .text:
            try validateText(value, "\(key)", maximum: 500)
            return value
        case .number:
            guard let number = Self.decimal(value) else {
                throw DomainError(.invalidValue, "\(key) is a number with at most 6 decimal places, such as 1.5")
            }
            return number
        case .option:
            guard let option = (options ?? []).first(where: { $0.lowercased() == value.lowercased() }) else {
                throw DomainError(.invalidValue, "\(key) is one of \((options ?? []).joined(separator: ", "))")
            }
            return option
        }
    }

    /// A decimal in shortest form: an optional '-', up to 12 digits, up to 6 after a point.
    static func decimal(_ text: String) -> String? {
        let negative = text.hasPrefix("-")
        let body = negative ? String(text.dropFirst()) : text
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 12,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }), parts.count == 1 || (1...6).contains(parts[1].count)
        else { return nil }
        var whole = String(parts[0].drop { $0 == "0" })
        if whole.isEmpty { whole = "0" }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let number = fraction.isEmpty ? whole : "\(whole).\(fraction)"
        return negative && number != "0" ? "-\(number)" : number
    }
}

/// A product's value of one specification, with what it means (copied from its definition
/// when set, so that every reader of the event has it whole).
public struct ProductSpecification: Codable, Sendable, Equatable {
    public var key: String
    public var label: String
    public var kind: SpecificationDefinition.Kind
    public var value: String
    public var unit: String?

    public init(key: String, label: String, kind: SpecificationDefinition.Kind, value: String, unit: String? = nil) {
        self.key = key
        self.label = label
        self.kind = kind
        self.value = value
        self.unit = unit
    }
}
