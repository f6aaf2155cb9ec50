import Foundation

/// What a program run to its end printed, and how it ended.
public struct ExternalProcessResult: Sendable {
    public let status: Int32
    public let output: String
    public let errors: String
}

/// Runs a program (a Python script, the CLI) to its end, collecting both streams.
public func runExternalProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ExternalProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    // Standard error goes to a file: two pipes read one after the other could block it.
    let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorsFile) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errorsFile)
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errorData = (try? Data(contentsOf: errorsFile)) ?? Data()
    return ExternalProcessResult(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self), errors: String(decoding: errorData, as: UTF8.self))
}

/// The Python the project's scripts installed (`COMMERCE_PYTHON`), else the system's.
public var pythonExecutable: String {
    ProcessInfo.processInfo.environment["COMMERCE_PYTHON"] ?? "/usr/bin/python3"
}
