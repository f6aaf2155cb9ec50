import Application
import Foundation
import Hummingbird
import NIOCore

/// Bulk catalog files (admin group): `POST /admin/products/import` takes a CSV file (see
/// ``CatalogFileRow`` for its columns), checks every row and writes all or nothing;
/// `GET /admin/products/export?format=csv` gives the whole catalog back in the same form.
struct CatalogFileRoutes {
    let importer: CatalogImport
    let exporter: CatalogExport

    static let maximumProblemsShown = 1000

    /// A refused file's problems by line; a file bad on every line answers its first problems,
    /// not ten thousand.
    static func refusal(_ refused: CatalogImportProblems, code: String) -> Problem {
        let shown = refused.problems.prefix(maximumProblemsShown)
        return Problem(
            .unprocessableContent, code,
            "\(refused.problems.count) problem\(refused.problems.count == 1 ? "" : "s") in the file\(shown.count < refused.problems.count ? " (the first \(shown.count) listed)" : ""); nothing was written",
            fields: ["problems": .objects(shown.map { problem in
                var fields: [String: Problem.Value] = ["line": .integer(Int64(problem.line)), "reason": .string(problem.reason)]
                if let column = problem.column { fields["column"] = .string(column) }
                return fields
            })]
        )
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.post("products/import") { request, context in
            if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("text/csv") {
                throw Problem(.unsupportedMediaType, "unsupported_media_type", "send the file as text/csv")
            }
            let dryRun = try QueryParameters.flag(request.uri.queryParameters["dryRun"], "dryRun")
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            guard let text = String(bytes: buffer.readableBytesView, encoding: .utf8) else {
                throw Problem.unprocessable("invalid_catalog_file", "the file is not UTF-8 text")
            }
            do {
                let outcome = try await importer.run(text, metadata: CommandResponses.metadata(context.principal, request), dryRun: dryRun)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try StrictJSON.encoder.encode(outcome)))
                )
            } catch let refused as CatalogImportProblems {
                throw Self.refusal(refused, code: "invalid_catalog_file")
            }
        }
        admin.get("products/export") { request, _ in
            if let format = request.uri.queryParameters["format"], format != "csv" {
                throw Problem.badRequest("invalid_parameter", "format is csv", field: "format")
            }
            let csv = try await exporter.csv()
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"catalog.csv\"", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: csv))
            )
        }
    }
}
