import Foundation

/// Where product image files live, by name (`<sha256>.<ext>`): content-addressed, so a file is
/// written once and never changes. ``DirectoryImageStorage`` keeps them in a directory; in
/// production an S3-compatible bucket behind this protocol does the same (put an object, get it
/// back), with the API's `/images/…` route or a CDN in front.
public protocol ImageStorage: Sendable {
    /// Stores the file under `name`, unless a file of that name is there already.
    func put(_ data: Data, name: String) async throws
    /// The file, or nil when there is none of that name.
    func get(name: String) async throws -> Data?
}

/// Image files in a directory of this machine (`IMAGE_DIRECTORY`).
public struct DirectoryImageStorage: ImageStorage {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func put(_ data: Data, name: String) async throws {
        let target = directory.appendingPathComponent(name)
        guard !FileManager.default.fileExists(atPath: target.path) else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Written aside and renamed: a reader never sees half a file.
        let partial = directory.appendingPathComponent(".\(name).\(UUID().uuidString)")
        try data.write(to: partial)
        if rename(partial.path, target.path) != 0 {
            try? FileManager.default.removeItem(at: partial)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    public func get(name: String) async throws -> Data? {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return FileManager.default.contents(atPath: path)
    }
}
