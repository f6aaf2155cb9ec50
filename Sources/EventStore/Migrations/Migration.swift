import Crypto
import Foundation

/// One SQL migration file, `NNNN_name.sql`, identified by its number.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex-encoded: an applied file must never change.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The file name this migration was read from.
    public var fileName: String { String(format: "%04d_%@.sql", version, name) }

    /// Reads every `NNNN_name.sql` file of a directory, in version order.
    /// - Throws: ``MigrationError`` for a file that does not follow the naming rule or a repeated number.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(.directoryUnreadable, "cannot read migrations directory \(directory.path)")
        }
        var migrations: [Migration] = []
        for fileName in names.sorted() where fileName.hasSuffix(".sql") {
            let stem = fileName.dropLast(4)
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 4, let version = Int(parts[0]), !parts[1].isEmpty else {
                throw MigrationError(.badFileName, "migration file \(fileName) is not named NNNN_name.sql")
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw MigrationError(.duplicateVersion, "migrations \(clash.fileName) and \(fileName) share the number \(parts[0])")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(fileName), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(parts[1]), sql: sql))
        }
        return migrations
    }
}

/// Why migrations could not be applied; `code` is stable, `message` names the file.
public struct MigrationError: Error, CustomStringConvertible, Equatable {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let directoryUnreadable = Code(rawValue: "migrations.directory_unreadable")
        public static let badFileName = Code(rawValue: "migrations.bad_file_name")
        public static let duplicateVersion = Code(rawValue: "migrations.duplicate_version")
        public static let checksumMismatch = Code(rawValue: "migrations.checksum_mismatch")
        public static let missingFile = Code(rawValue: "migrations.missing_file")
        public static let outOfOrder = Code(rawValue: "migrations.out_of_order")
        public static let failed = Code(rawValue: "migrations.failed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
