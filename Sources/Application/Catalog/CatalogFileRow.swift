import Aggregates

/// One row of a catalog CSV file (one variant, or a product without one), its cells checked and
/// read; an empty cell gives nothing (the product keeps what it has).
///
/// Columns, in any order (the header names them; `product_id` is required):
/// `product_id, name, description, category, brand, status, sku, price:<CURRENCY>…, attribute:<NAME>…`.
/// `category` is the path with `/` between names (`Apparel/Shirts`); `status` is draft, published,
/// unpublished or discontinued; prices are in major units with at most the currency's decimals
/// (`25`, `25.5`, `25.00` EUR; `2500` JPY).
public struct CatalogFileRow: Sendable, Equatable {
    public var line: Int
    public var productID: ProductID
    public var name: String?
    public var description: String?
    public var categoryPath: [String]?
    public var brand: String?
    public var status: Product.Status?
    public var sku: SKU?
    /// The prices given, by currency code.
    public var prices: [String: Money] = [:]
    /// The attribute cells that are not empty, by the attribute's name.
    public var attributes: [String: String] = [:]

    /// Where each column is, read from the header.
    public struct Layout: Sendable {
        var index: [String: Int] = [:]
        var currencies: [(column: Int, currency: Currency)] = []
        /// Attribute names in the file's columns: a variant's other attributes stay as they are.
        public var attributeNames: Set<String> = []
        var attributeColumns: [(column: Int, name: String)] = []
        let width: Int

        static let productColumns = ["product_id", "name", "description", "category", "brand", "status", "sku"]

        /// - Throws: the problems of the header (line 1).
        public init(header: [String]) throws(CatalogImportProblems) {
            width = header.count
            var problems: [CatalogImportProblem] = []
            for (column, raw) in header.enumerated() {
                let name = raw.trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("price:") {
                    do { currencies.append((column, try Currency(String(name.dropFirst("price:".count))))) } catch {
                        problems.append(CatalogImportProblem(line: 1, column: raw, reason: "\(name): \(error.message)"))
                    }
                } else if name.hasPrefix("attribute:") {
                    let attribute = String(name.dropFirst("attribute:".count))
                    guard !attribute.isEmpty, attribute.count <= 50 else {
                        problems.append(CatalogImportProblem(line: 1, column: raw, reason: "an attribute column is attribute:<name>, the name 1-50 characters"))
                        continue
                    }
                    attributeColumns.append((column, attribute))
                    attributeNames.insert(attribute)
                } else if Self.productColumns.contains(name) {
                    guard index[name] == nil else {
                        problems.append(CatalogImportProblem(line: 1, column: raw, reason: "the column \(name) is named twice"))
                        continue
                    }
                    index[name] = column
                } else {
                    problems.append(CatalogImportProblem(
                        line: 1, column: raw,
                        reason: "unknown column \(name): the columns are \(Self.productColumns.joined(separator: ", ")), price:<CURRENCY> and attribute:<name>"
                    ))
                }
            }
            if index["product_id"] == nil { problems.append(CatalogImportProblem(line: 1, column: nil, reason: "the header lacks the product_id column")) }
            if Set(currencies.map(\.currency.code)).count != currencies.count {
                problems.append(CatalogImportProblem(line: 1, column: nil, reason: "a currency's price column is named twice"))
            }
            if attributeNames.count != attributeColumns.count {
                problems.append(CatalogImportProblem(line: 1, column: nil, reason: "an attribute column is named twice"))
            }
            guard problems.isEmpty else { throw CatalogImportProblems(problems) }
        }
    }

    /// Reads a record's cells by the layout.
    /// - Throws: every problem of the row.
    public init(_ record: CSVTable.Record, layout: Layout) throws(CatalogImportProblems) {
        var problems: [CatalogImportProblem] = []
        func fail(_ column: String?, _ reason: String) { problems.append(CatalogImportProblem(line: record.line, column: column, reason: reason)) }
        if record.fields.count != layout.width {
            throw CatalogImportProblems([CatalogImportProblem(
                line: record.line, column: nil, reason: "\(record.fields.count) fields where the header has \(layout.width)"
            )])
        }
        // Text is taken as written (an export gives it back unchanged); ids, the status and
        // prices without the spaces around them. A cell of spaces only is empty.
        func text(_ name: String) -> String? {
            guard let column = layout.index[name] else { return nil }
            let value = record.fields[column]
            return value.allSatisfy(\.isWhitespace) ? nil : value
        }
        func cell(_ name: String) -> String? { text(name)?.trimmingCharacters(in: .whitespaces) }
        line = record.line
        var product: ProductID?
        do { product = try ProductID(cell("product_id") ?? "") } catch { fail("product_id", error.message) }
        productID = product ?? ProductID.placeholder
        name = text("name")
        description = text("description")
        categoryPath = text("category").map { $0.split(separator: "/", omittingEmptySubsequences: false).map(String.init) }
        brand = text("brand")
        if let status = cell("status") {
            self.status = Product.Status(rawValue: status)
            if self.status == nil { fail("status", "status is draft, published, unpublished or discontinued, not \(status)") }
        }
        if let sku = cell("sku") {
            do { self.sku = try SKU(sku) } catch { fail("sku", error.message) }
        }
        for (column, currency) in layout.currencies {
            let text = record.fields[column].trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let amount = Self.minorUnits(text, exponent: currency.exponent), amount > 0 else {
                fail("price:\(currency.code)", "a price is a positive amount with at most \(currency.exponent) decimals, not \(text)")
                continue
            }
            prices[currency.code] = Money(amount, currency)
        }
        for (column, attribute) in layout.attributeColumns {
            let value = record.fields[column]
            if !value.allSatisfy(\.isWhitespace) { attributes[attribute] = value }
        }
        if sku == nil, !prices.isEmpty || !attributes.isEmpty, problems.isEmpty {
            fail("sku", "prices and attributes belong to a variant: the row needs a sku")
        }
        do throws(DomainError) {
            if let name, name.count > 200 { throw DomainError(.invalidValue, "name is longer than 200 characters") }
            if let categoryPath, categoryPath.count > 10 || categoryPath.contains(where: { $0.isEmpty || $0.count > 100 }) {
                throw DomainError(.invalidValue, "the category path takes 0-10 non-empty names, each at most 100 characters, joined by /")
            }
            try Product.validateDetails(name: name ?? "-", description: description ?? "", categoryPath: categoryPath ?? [], brand: brand)
            try Product.validateAttributes(attributes)
        } catch {
            fail(nil, error.message)
        }
        guard problems.isEmpty else { throw CatalogImportProblems(problems) }
    }

    /// `12.5` with exponent 2 is 1250; nil for anything but digits with at most `exponent`
    /// decimals (and at most 15 digits before the point).
    static func minorUnits(_ text: String, exponent: Int) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 15,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= exponent, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty else { return nil }
        let digits = whole + fraction + String(repeating: "0", count: exponent - fraction.count)
        return Int64(digits)
    }

    /// The amount in major units with exactly the currency's decimals: what ``minorUnits(_:exponent:)`` reads back.
    static func majorUnits(_ money: Money) -> String {
        let exponent = money.currency.exponent
        guard exponent > 0 else { return String(money.amount) }
        var text = String(money.amount)
        if text.count <= exponent { text = String(repeating: "0", count: exponent - text.count + 1) + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -exponent))
        return text
    }
}

extension ProductID {
    /// Stands in for an id that failed its check, in a row that is refused anyway.
    static let placeholder = try! ProductID("invalid")
}
