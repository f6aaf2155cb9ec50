import Aggregates

/// Where a product's details put it: in a category of the tree, named by id, or under a free
/// path of names (as before the tree, and for shops without one).
public struct ProductPlacement: Sendable {
    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    /// The category path and id a product's details take. With `categoryId`: that category's
    /// path in the tree as it stands (a `categoryPath` given beside it must be that path, as a
    /// product read back shows it); without: the free path given, or none.
    ///
    /// - Throws: ``DomainError`` `category.unknown` for a category the tree lacks.
    public func resolve(categoryId: String?, categoryPath: [String]?) async throws -> (path: [String], id: CategoryID?) {
        guard let categoryId else { return (categoryPath ?? [], nil) }
        let id = try CategoryID(categoryId)
        let (tree, _) = try await repository.load(CategoryTree.self, .of("category", "tree"))
        guard tree.categories[id] != nil else { throw DomainError(.unknownCategory, "there is no category \(id)") }
        let path = tree.path(of: id)
        if let categoryPath, categoryPath != path {
            throw DomainError(.invalidValue, "categoryPath given with categoryId must be that category's path, \(path.joined(separator: " / "))")
        }
        return (path, id)
    }
}
