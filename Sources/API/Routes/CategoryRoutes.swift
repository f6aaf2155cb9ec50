import Aggregates
import Application
import Hummingbird
import Projections

/// The category tree: kept by admins (create, rename, move or reorder, delete when empty), read by
/// storefronts with names in the reader's language and product counts.
struct CategoryRoutes {
    let repository: AggregateRepository
    let delete: DeleteCategory
    let catalog: CatalogReader
    let readYourWrites: ReadYourWrites
    let defaultLocale: String

    struct CreateCategory: Codable {
        let categoryId: String
        let name: String
        /// Made from the name when absent.
        let slug: String?
        let localizedNames: [String: String]?
        /// Absent or null: a top-level category.
        let parentId: String?
        /// Among its siblings, 0 first; absent: after the last.
        let position: Int?
    }

    /// The slug and every name as they are to stand.
    struct RenameCategory: Codable {
        let name: String
        let slug: String
        let localizedNames: [String: String]?
    }

    struct MoveCategory: Codable {
        /// Null or absent: to the top level.
        let parentId: String?
        let position: Int?
    }

    struct CategoryList: Codable, Sendable {
        let categories: [CatalogReader.Category]
    }

    func addRoutes(public router: Router<CommerceRequestContext>, admin: RouterGroup<CommerceRequestContext>) {
        router.get("/catalog/categories") { request, _ -> JSONBody<CategoryList> in
            try await readYourWrites.wait(request, projection: CatalogProjection())
            return JSONBody(CategoryList(categories: try await catalog.categoryTree(language: try RequestedLanguage.of(request, defaultLocale: defaultLocale))))
        }
        router.get("/catalog/categories/{categoryId}") { request, context -> JSONBody<CatalogReader.CategoryDetail> in
            try await detail(request, key: try context.parameters.require("categoryId"), bySlug: false)
        }
        router.get("/catalog/categories/by-slug/{slug}") { request, context -> JSONBody<CatalogReader.CategoryDetail> in
            try await detail(request, key: try context.parameters.require("slug"), bySlug: true)
        }
        admin.post("categories") { request, context in
            let body = try await StrictJSON.decode(CreateCategory.self, from: request, context: context)
            let id = try CategoryID(body.categoryId)
            let parent = try body.parentId.map { try CategoryID($0) }
            var result = try await repository.execute(CategoryTree.self, .of("category", "tree"), ifMatch: try CommandResponses.ifMatch(request),
                                                      metadata: CommandResponses.metadata(context.principal, request)) { _ in
                .create(id: id, parentId: parent, slug: body.slug ?? CategoryTree.slug(from: body.name, id: id), name: body.name,
                        localizedNames: body.localizedNames ?? [:], position: body.position)
            }
            result.id = id.rawValue
            return CommandResponses.created(result)
        }
        admin.put("categories/{categoryId}") { request, context in
            let body = try await StrictJSON.decode(RenameCategory.self, from: request, context: context)
            let id = try CategoryID(try context.parameters.require("categoryId"))
            return try await execute(request, context) { _ in .rename(id: id, slug: body.slug, name: body.name, localizedNames: body.localizedNames ?? [:]) }
        }
        admin.post("categories/{categoryId}/move") { request, context in
            let body = try await StrictJSON.decode(MoveCategory.self, from: request, context: context)
            let id = try CategoryID(try context.parameters.require("categoryId"))
            let parent = try body.parentId.map { try CategoryID($0) }
            return try await execute(request, context) { _ in .move(id: id, parentId: parent, position: body.position) }
        }
        admin.delete("categories/{categoryId}") { request, context in
            let id = try CategoryID(try context.parameters.require("categoryId"))
            return CommandResponses.ok(try await delete(
                id, ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request)
            ))
        }
    }

    private func detail(_ request: Request, key: String, bySlug: Bool) async throws -> JSONBody<CatalogReader.CategoryDetail> {
        try await readYourWrites.wait(request, projection: CatalogProjection())
        let language = try RequestedLanguage.of(request, defaultLocale: defaultLocale)
        guard let detail = try await catalog.category(key, bySlug: bySlug, language: language) else {
            throw ApplicationError.notFound("category \(key)")
        }
        return JSONBody(detail)
    }

    private func execute(_ request: Request, _ context: CommerceRequestContext, _ command: @escaping (CategoryTree.State) throws -> CategoryTree.Command) async throws -> Response {
        CommandResponses.ok(try await repository.execute(
            CategoryTree.self, .of("category", "tree"), ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request),
            command: command
        ))
    }
}
