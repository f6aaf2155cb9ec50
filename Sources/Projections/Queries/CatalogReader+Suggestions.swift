import Foundation
import PostgresNIO

extension CatalogReader {
    /// What a search box offers while a shopper types: published products, categories and
    /// brands with a word that begins with what was typed, the most popular first.
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

        public struct BrandSuggestion: Sendable, Codable, Equatable {
            /// The value of the listing's `brand` filter.
            public let name: String
            /// Published products of the brand.
            public let products: Int
        }

        public let products: [ProductSuggestion]
        public let categories: [CategorySuggestion]
        public let brands: [BrandSuggestion]
    }

    /// Products, categories and brands whose name has a word beginning with `prefix` (case
    /// ignored; every word typed, each beginning a word): products by orders, then name;
    /// categories and brands by their products, then name.
    /// Products, categories and brands may be up to ``dictionaryAge`` old unless `fresh`.
    public func suggestions(prefix: String, limit: Int, fresh: Bool = false) async throws -> Suggestions {
        let typed = prefix.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        let words = SearchTerms.words(of: typed)
        guard !words.isEmpty else { return Suggestions(products: [], categories: [], brands: []) }
        let products = try await suggestionIndex.value(fresh: fresh).matching(words, limit: limit)
            .map { Suggestions.ProductSuggestion(productId: $0.productId, name: $0.name, orders: $0.orders) }
        let counts = try await categoryCounts.value(fresh: fresh)
        func begins(_ name: String) -> Bool {
            let named = SearchTerms.words(of: name)
            return words.allSatisfy { word in named.contains { $0.hasPrefix(word) } }
        }
        // The last segment's words: a parent is suggested for its own name, not its child's.
        let categories = counts.filter { begins($0.path.split(separator: "/").last.map(String.init) ?? $0.path) }
        .sorted { $0.products != $1.products ? $0.products > $1.products : $0.path < $1.path }
        .prefix(limit)
        .map { Suggestions.CategorySuggestion(path: $0.path, products: $0.products) }
        let brands = try await brandCounts.value(fresh: fresh).filter { begins($0.name) }
            .sorted { $0.products != $1.products ? $0.products > $1.products : $0.name < $1.name }
            .prefix(limit)
            .map { Suggestions.BrandSuggestion(name: $0.name, products: $0.products) }
        return Suggestions(products: products, categories: categories, brands: brands)
    }
}
