import Aggregates
import Foundation
import PostgresNIO

extension CatalogReader {
    /// A category of the tree as a storefront shows it, with what is under it.
    public struct Category: Sendable, Codable, Equatable {
        public let categoryId: String
        public let parentId: String?
        public let slug: String
        /// In the language asked for when the category has a name in it, else the default one.
        public let name: String
        /// The language of `name`; nil when it is the default name.
        public let locale: String?
        /// The names in other languages than the default, by language tag.
        public let localizedNames: [String: String]
        /// The default names from the top-level category down to this one: what its products
        /// show as their `categoryPath`, and what the listing's `category` filter takes.
        public let path: [String]
        /// Published products in it or under it.
        public let productCount: Int
        /// In their order.
        public var children: [Category]
    }

    /// One category with the way down to it.
    public struct CategoryDetail: Sendable, Codable, Equatable {
        public let category: Category
        /// The categories above it, the top-level one first.
        public let breadcrumbs: [Crumb]
    }

    public struct Crumb: Sendable, Codable, Equatable {
        public let categoryId: String
        public let slug: String
        public let name: String
    }

    /// The whole tree, top-level categories in order, names in the reader's language where they have one.
    public func categoryTree(language: LanguagePreference) async throws -> [Category] {
        try await CategoryRows.read(client: client, logger: logger).tree(language: language)
    }

    /// One category (by id, or by slug when `slug` is true) with its subtree and breadcrumbs;
    /// nil when the tree has none.
    public func category(_ key: String, bySlug slug: Bool, language: LanguagePreference) async throws -> CategoryDetail? {
        try await CategoryRows.read(client: client, logger: logger).detail(key, bySlug: slug, language: language)
    }

    /// The products in the category itself (not under it) that are not discontinued: what keeps
    /// it from being deleted.
    public func productCount(inCategory id: String) async throws -> Int {
        let rows = try await client.query(
            "SELECT count(*)::bigint FROM catalog_products WHERE category_id = \(id) AND status <> 'discontinued'", logger: logger
        )
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    /// The category's path (its default names from the top), for filtering a listing by it; nil
    /// when the tree has no such category.
    public func categoryPath(id: String) async throws -> [String]? {
        let rows = try await client.query("SELECT path FROM catalog_categories WHERE category_id = \(id)", logger: logger)
        for try await path in rows.decode([String].self) { return path }
        return nil
    }
}

/// The tree's rows as read, with each category's own published products.
struct CategoryRows {
    struct Row {
        let id: String
        let parentId: String?
        let slug: String
        let name: String
        let localizedNames: [String: String]
        let path: [String]
        let ownProducts: Int
    }

    let rows: [String: Row]
    /// Ids in order under each parent id ("" for the top level).
    let children: [String: [String]]

    static func read(client: PostgresClient, logger: Logger) async throws -> CategoryRows {
        let result = try await client.query(
            """
            SELECT c.category_id, c.parent_id, c.slug, c.name, c.localized_names::text, c.path, coalesce(counted.products, 0)
            FROM catalog_categories c
              LEFT JOIN (SELECT category_id, count(*) AS products FROM catalog_products
                         WHERE status = 'published' AND category_id IS NOT NULL GROUP BY category_id) counted USING (category_id)
            ORDER BY c.parent_id NULLS FIRST, c.position, c.category_id
            """,
            logger: logger
        )
        var rows: [String: Row] = [:]
        var children: [String: [String]] = [:]
        for try await (id, parent, slug, name, names, path, products) in result.decode((String, String?, String, String, String, [String], Int64).self) {
            rows[id] = Row(
                id: id, parentId: parent, slug: slug, name: name,
                localizedNames: try JSONDecoder().decode([String: String].self, from: Data(names.utf8)), path: path, ownProducts: Int(products)
            )
            children[parent ?? "", default: []].append(id)
        }
        return CategoryRows(rows: rows, children: children)
    }

    func tree(language: LanguagePreference) -> [CatalogReader.Category] {
        (children[""] ?? []).compactMap { category($0, language: language) }
    }

    func detail(_ key: String, bySlug: Bool, language: LanguagePreference) -> CatalogReader.CategoryDetail? {
        guard let id = bySlug ? rows.values.first(where: { $0.slug == key })?.id : key, let category = category(id, language: language) else { return nil }
        var crumbs: [CatalogReader.Crumb] = []
        var next = rows[id]?.parentId
        while let current = next, let row = rows[current] {
            crumbs.append(CatalogReader.Crumb(categoryId: row.id, slug: row.slug, name: name(of: row, language: language).text))
            next = row.parentId
        }
        return CatalogReader.CategoryDetail(category: category, breadcrumbs: crumbs.reversed())
    }

    private func category(_ id: String, language: LanguagePreference) -> CatalogReader.Category? {
        guard let row = rows[id] else { return nil }
        let children = (self.children[id] ?? []).compactMap { category($0, language: language) }
        let (locale, text) = name(of: row, language: language)
        return CatalogReader.Category(
            categoryId: row.id, parentId: row.parentId, slug: row.slug, name: text, locale: locale, localizedNames: row.localizedNames,
            path: row.path, productCount: row.ownProducts + children.reduce(0) { $0 + $1.productCount }, children: children
        )
    }

    private func name(of row: Row, language: LanguagePreference) -> (locale: String?, text: String) {
        language.pick(row.localizedNames, default: row.name)
    }
}
