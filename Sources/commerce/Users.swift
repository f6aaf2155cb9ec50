import API
import ArgumentParser
import Runtime
import Foundation
import PostgresNIO

struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accounts: the first admin comes from here (the API registers customers only).",
        subcommands: [CreateAdmin.self]
    )

    struct CreateAdmin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-admin", abstract: "Create an admin account.")

        @Option(help: "The admin's email address.")
        var email: String

        @Option(help: "The password (10 to 72 bytes); read from COMMERCE_ADMIN_PASSWORD when omitted.")
        var password: String?

        func run() async throws {
            guard let password = password ?? ProcessInfo.processInfo.environment["COMMERCE_ADMIN_PASSWORD"] else {
                throw ValidationError("give --password or set COMMERCE_ADMIN_PASSWORD")
            }
            let settings = try Settings()
            let logger = settings.makeLogger()
            let id = try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 1, logger: logger) { client in
                try await StartupChecks.connectOrFail(client, settings: settings)
                return try await createAdminAccount(postgres: client, email: email, password: password, logger: logger)
            }
            print("admin \(email) created (\(id))")
        }
    }
}
