import Foundation
import PostgresNIO

extension CatalogReader {
    /// What a search box offers while a shopper types: published products and categories with
    /// a word that begins with what was typed, the most popular first.
    public struct Suggestions: Sendable, Codable, Equatable {
        public struct ProductSuggestion: Sendable, Codable, Equatable {
            public let productId: String
            public let name: String
            /// Orders counted by the recommendations read model: the order of the list.
            public let orders: Int64
        }

        public struct CategorySuggestion: Sendable, Codable, Equatable {
            /// The path, '/'-joined: the value of the listing's `category` filter.
            public let path: String
            /// Published products under it.
            public let products: Int
        }

        public let products: [ProductSuggestion]
        public let categories: [CategorySuggestion]
    }

    /// Products whose name, and categories whose name, has a word beginning with `prefix`
    /// (case ignored): products by orders, then name; categories by their products, then path.
    /// Categories may be up to ``dictionaryAge`` old unless `fresh`.
    public func suggestions(prefix: String, limit: Int, fresh: Bool = false) async throws -> Suggestions {
        let typed = prefix.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        guard !typed.isEmpty else { return Suggestions(products: [], categories: []) }
        // LIKE narrows through the name's trigram index; the expression keeps word beginnings.
        let like = "%" + typed.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let rows = try await client.query(
            """
            SELECT p.product_id, p.name, coalesce(popular.orders, 0)
            FROM catalog_products p LEFT JOIN rec_products popular ON popular.product_id = p.product_id
            WHERE p.status = 'published' AND lower(p.name) LIKE \(like)
              AND lower(p.name) ~ ('(^|[^[:alnum:]])' || \(Self.regexLiteral(typed)))
            ORDER BY 3 DESC, p.name, p.product_id
            LIMIT \(limit)
            """,
            logger: logger
        )
        var products: [Suggestions.ProductSuggestion] = []
        for try await (id, name, orders) in rows.decode((String, String, Int64).self) {
            products.append(.init(productId: id, name: name, orders: orders))
        }
        let client = client, logger = logger
        let counts = try await categoryCounts.values(for: [0], fresh: fresh) { _ in
            let rows = try await client.query(
                """
                SELECT array_to_string(p.category_path[1:depth], '/'), count(*)::bigint
                FROM catalog_products p CROSS JOIN LATERAL generate_series(1, cardinality(p.category_path)) AS depth
                WHERE p.status = 'published'
                GROUP BY 1
                """,
                logger: logger
            )
            var counts: [(path: String, products: Int)] = []
            for try await (path, products) in rows.decode((String, Int64).self) { counts.append((path, Int(products))) }
            return [0: counts]
        }[0] ?? []
        let categories = counts.filter { category in
            // The last segment's words: a parent is suggested for its own name, not its child's.
            let name = category.path.split(separator: "/").last.map(String.init) ?? category.path
            return Self.words(of: name).contains { $0.hasPrefix(typed) } || name.lowercased().hasPrefix(typed)
        }
        .sorted { $0.products != $1.products ? $0.products > $1.products : $0.path < $1.path }
        .prefix(limit)
        .map { Suggestions.CategorySuggestion(path: $0.path, products: $0.products) }
        return Suggestions(products: products, categories: categories)
    }

    /// `text` matched literally by a PostgreSQL regular expression: every character that is not
    /// a letter or digit escaped.
    static func regexLiteral(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if !(character.isLetter || character.isNumber) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// Lower-cased runs of letters and digits.
    static func words(of text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}
