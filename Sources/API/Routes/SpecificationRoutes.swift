import Aggregates
import Application
import Hummingbird

/// The specifications products are described by (admin group): their definitions, and each
/// product's values checked against them.
struct SpecificationRoutes {
    let repository: AggregateRepository

    struct DefinitionBody: Codable {
        let label: String
        let kind: SpecificationDefinition.Kind
        let unit: String?
        let options: [String]?
    }

    struct Definitions: Codable, Sendable {
        let specifications: [SpecificationDefinition]
        let version: Int64
    }

    struct Values: Codable {
        /// By key: a number as a decimal string, an option as one of its values, or text.
        let specifications: [String: String]
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.get("specifications") { _, _ -> JSONBody<Definitions> in
            let (state, version) = try await repository.load(SpecificationCatalog.self, .of("specification", "catalog"))
            return JSONBody(Definitions(specifications: state.definitions.values.sorted { $0.key < $1.key }, version: version))
        }
        admin.put("specifications/{key}") { request, context in
            let body = try await StrictJSON.decode(DefinitionBody.self, from: request, context: context)
            let definition = SpecificationDefinition(
                key: try context.parameters.require("key"), label: body.label, kind: body.kind, unit: body.unit, options: body.options
            )
            return try await execute(request, context) { _ in .define(definition) }
        }
        admin.delete("specifications/{key}") { request, context in
            let key = try context.parameters.require("key")
            return try await execute(request, context) { _ in .remove(key: key) }
        }
        admin.put("products/{productId}/specifications") { request, context in
            let body = try await StrictJSON.decode(Values.self, from: request, context: context)
            let definitions = try await repository.load(SpecificationCatalog.self, .of("specification", "catalog")).state.definitions
            return try await repository.executeOnProduct(request, context) { _ in .setSpecifications(body.specifications, definitions: definitions) }
        }
    }

    private func execute(
        _ request: Request, _ context: CommerceRequestContext, _ command: @escaping (SpecificationCatalog.State) throws -> SpecificationCatalog.Command
    ) async throws -> Response {
        CommandResponses.ok(try await repository.execute(
            SpecificationCatalog.self, .of("specification", "catalog"), ifMatch: try CommandResponses.ifMatch(request),
            metadata: CommandResponses.metadata(context.principal, request), command: command
        ))
    }
}
