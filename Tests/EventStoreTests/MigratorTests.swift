@testable import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("Migrations against a real PostgreSQL")
struct MigratorTests {
    let logger = TestEnvironment.logger

    @Test("the project's migrations apply once; a second run changes nothing")
    func applyTwice() async throws {
        try await withTestDatabase(migrated: false) { client, _ in
            let migrations = try Migration.load(from: TestEnvironment.migrationsDirectory)
            #expect(!migrations.isEmpty)
            let migrator = Migrator(client: client, logger: logger)

            let first = try await migrator.migrate(migrations)
            #expect(first.applied == migrations.map(\.fileName))
            let schemaAfterFirst = try await schemaFingerprint(client)

            let second = try await migrator.migrate(migrations)
            #expect(second.applied.isEmpty)
            #expect(second.alreadyApplied == migrations.count)
            #expect(try await schemaFingerprint(client) == schemaAfterFirst)
        }
    }

    @Test("a migration changed after it was applied is refused, naming the file")
    func changedMigrationRefused() async throws {
        try await withTestDatabase(migrated: false) { client, _ in
            let directory = try temporaryDirectory(files: [
                "0001_create_widgets.sql": "CREATE TABLE widgets (id int PRIMARY KEY);",
            ])
            let migrator = Migrator(client: client, logger: logger)
            _ = try await migrator.migrate(try Migration.load(from: directory))

            try "CREATE TABLE widgets (id bigint PRIMARY KEY);".write(
                to: directory.appendingPathComponent("0001_create_widgets.sql"), atomically: true, encoding: .utf8)
            try "CREATE TABLE gadgets (id int);".write(
                to: directory.appendingPathComponent("0002_create_gadgets.sql"), atomically: true, encoding: .utf8)

            let error = await #expect(throws: MigrationError.self) {
                try await migrator.migrate(try Migration.load(from: directory))
            }
            #expect(error?.code == .checksumMismatch)
            #expect(error?.message.contains("0001_create_widgets.sql") == true)
            // Nothing after the refusal ran.
            #expect(try await tableExists("gadgets", client) == false)
        }
    }

    @Test("an applied migration missing from the directory is refused")
    func missingFileRefused() async throws {
        try await withTestDatabase(migrated: false) { client, _ in
            let directory = try temporaryDirectory(files: ["0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "CREATE TABLE b (id int);"])
            let migrator = Migrator(client: client, logger: logger)
            _ = try await migrator.migrate(try Migration.load(from: directory))
            try FileManager.default.removeItem(at: directory.appendingPathComponent("0001_a.sql"))
            let error = await #expect(throws: MigrationError.self) {
                try await migrator.migrate(try Migration.load(from: directory))
            }
            #expect(error?.code == .missingFile)
            #expect(error?.message.contains("0001_a.sql") == true)
        }
    }

    @Test("a new migration numbered below an applied one is refused")
    func outOfOrderRefused() async throws {
        try await withTestDatabase(migrated: false) { client, _ in
            let directory = try temporaryDirectory(files: ["0002_b.sql": "CREATE TABLE b (id int);"])
            let migrator = Migrator(client: client, logger: logger)
            _ = try await migrator.migrate(try Migration.load(from: directory))
            try "CREATE TABLE a (id int);".write(to: directory.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
            let error = await #expect(throws: MigrationError.self) {
                try await migrator.migrate(try Migration.load(from: directory))
            }
            #expect(error?.code == .outOfOrder)
            #expect(try await tableExists("a", client) == false)
        }
    }

    @Test("a failing migration leaves nothing behind and is not recorded")
    func failingMigrationRollsBack() async throws {
        try await withTestDatabase(migrated: false) { client, _ in
            let directory = try temporaryDirectory(files: [
                "0001_half.sql": "CREATE TABLE half (id int); SELECT * FROM no_such_table;",
            ])
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(client: client, logger: logger).migrate(try Migration.load(from: directory))
            }
            #expect(error?.code == .failed)
            #expect(error?.message.contains("0001_half.sql") == true)
            #expect(try await tableExists("half", client) == false)
            let recorded = try await client.query("SELECT count(*) FROM schema_migrations").decode(Int.self).collectAll()
            #expect(recorded == [0])
        }
    }

    @Test("badly named files and repeated numbers are refused when loading")
    func loadingRules() throws {
        let badName = try temporaryDirectory(files: ["1_x.sql": "SELECT 1;"])
        #expect(throws: MigrationError(.badFileName, "migration file 1_x.sql is not named NNNN_name.sql")) {
            try Migration.load(from: badName)
        }
        let repeated = try temporaryDirectory(files: ["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;"])
        #expect(throws: MigrationError.self) { try Migration.load(from: repeated) }
        let migrations = try Migration.load(from: try temporaryDirectory(files: ["0002_b.sql": "x", "0001_a.sql": "y", "notes.txt": "z"]))
        #expect(migrations.map(\.fileName) == ["0001_a.sql", "0002_b.sql"])
    }

    private func schemaFingerprint(_ client: PostgresClient) async throws -> [String] {
        try await client.query(
            """
            SELECT table_name || '.' || column_name || ':' || data_type
            FROM information_schema.columns WHERE table_schema = 'public'
            ORDER BY table_name, ordinal_position
            """
        ).decode(String.self).collectAll()
    }

    private func tableExists(_ name: String, _ client: PostgresClient) async throws -> Bool {
        try await client.query("SELECT to_regclass(\(name)) IS NOT NULL").decode(Bool.self).collectAll() == [true]
    }

    private func temporaryDirectory(files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("migrations"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, contents) in files {
            try contents.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }
}

@Suite("Splitting migration files into statements")
struct SQLStatementSplitterTests {
    @Test func splitsAtTopLevelSemicolonsOnly() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE a (note text DEFAULT 'x;y');
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
            /* block; comment */ SELECT "odd;name" FROM a;
            DO $body$ BEGIN PERFORM 1; END $body$
            """
        let statements = SQLStatementSplitter.statements(in: sql)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("DEFAULT 'x;y')"))
        #expect(statements[1].contains("BEGIN RETURN 1; END $$"))
        #expect(statements[2].contains("\"odd;name\""))
        #expect(statements[3] == "DO $body$ BEGIN PERFORM 1; END $body$")
    }
}
