import Application
import ArgumentParser
import EventStore
import Foundation
import Projections

/// `commerce catalog import FILE` and `commerce catalog export`: the catalog CSV files of
/// `POST /admin/products/import` and `GET /admin/products/export`, straight against the database.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Bulk catalog files: import and export CSV (the README's catalog files section names the columns).",
        subcommands: [Import.self, Export.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Check every row of a catalog file, then write all of it in one transaction, or nothing when a row is bad."
        )

        @Argument(help: "The CSV file.")
        var file: String

        @Flag(help: "Check the file and count what would change; write nothing.")
        var dryRun = false

        func run() async throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ValidationError("\(file): not a readable UTF-8 file")
            }
            let outcome: CatalogImport.Outcome
            do {
                outcome = try await withConfiguredStore(connections: 10) { store, _, logger in
                    let catalog = CatalogReader(client: store.client, logger: logger)
                    let importer = CatalogImport(repository: AggregateRepository(store: store)) { skus in
                        try await catalog.variants(skus: skus).mapValues(\.productId)
                    }
                    let progress = ProgressReporter("import")
                    defer { progress.finish() }
                    return try await importer.run(text, metadata: EventMetadata(correlationID: RandomIdentifier.uuid(), actor: "cli"), dryRun: dryRun) { step in
                        switch step {
                        case .checked(let done, let total): progress.report(done: done, of: total, "products checked")
                        case .written(let done, let total): progress.report(done: done, of: total, "products written")
                        }
                    }
                }
            } catch let refused as CatalogImportProblems {
                for problem in refused.problems {
                    FileHandle.standardError.write(Data("\(file):\(problem.line)\(problem.column.map { " (\($0))" } ?? ""): \(problem.reason)\n".utf8))
                }
                throw ValidationError("\(refused.problems.count) problem\(refused.problems.count == 1 ? "" : "s") in \(file); nothing was written")
            }
            let verb = outcome.dryRun ? "would write" : "wrote"
            print("\(outcome.rows) rows, \(outcome.products) products: \(outcome.created) new, \(outcome.changed) changed, \(outcome.unchanged) unchanged; \(verb) \(outcome.events) events"
                + (outcome.position.map { " (through position \($0))" } ?? ""))
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write every product as a catalog file (to standard output, or --output).")

        @Option(help: "The file to write (standard output when left out).")
        var output: String?

        func run() async throws {
            let csv = try await withConfiguredStore(connections: 2) { store, _, _ in
                try await CatalogExport(repository: AggregateRepository(store: store)).csv()
            }
            if let output {
                try Data(csv.utf8).write(to: URL(fileURLWithPath: output))
            } else {
                FileHandle.standardOutput.write(Data(csv.utf8))
            }
        }
    }
}
