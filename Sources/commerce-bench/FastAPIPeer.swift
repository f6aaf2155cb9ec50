import ArgumentParser
import EventStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The peer `commerce-bench http` measures the HTTP API against: add-to-cart and checkout the
/// CRUD way in FastAPI + asyncpg (`scripts/peer/fastapi_cart.py`), served by uvicorn with
/// uvloop and httptools and two workers (one per core), in a virtualenv of its own
/// (`~/.cache/commerce/peer-venv`, made on first use from `scripts/peer/requirements.txt`). It
/// runs as processes of their own, like wrk, so it never shares the server's threads.
struct FastAPIPeer {
    let directory: URL
    let environment: [String: String]

    static let virtualenv = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/commerce/peer-venv")

    /// The peer on `database`, verifying tokens signed with `secret` (ours) by `issuer`.
    init(database: DatabaseURL, secret: [UInt8], issuer: String = "commerce") throws {
        directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("scripts/peer")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("fastapi_cart.py").path) else {
            throw ValidationError("scripts/peer/fastapi_cart.py is missing: run commerce-bench from the repository's root")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PEER_DATABASE_URL"] = "postgres://\(database.username)@\(database.host):\(database.port)/\(database.database)"
        if let password = database.password { environment["PGPASSWORD"] = password }
        environment["PEER_TOKEN_SECRET"] = secret.map { String(format: "%02x", $0) }.joined()
        environment["PEER_TOKEN_ISSUER"] = issuer
        self.environment = environment
    }

    /// Makes the virtualenv and installs the pinned packages, unless done already.
    static func install() async throws {
        let python = virtualenv.appendingPathComponent("bin/python")
        let requirements = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("scripts/peer/requirements.txt")
        let marker = virtualenv.appendingPathComponent("installed-requirements.txt")
        if let installed = try? String(contentsOf: marker, encoding: .utf8), installed == (try? String(contentsOf: requirements, encoding: .utf8)) { return }
        print("installing the FastAPI peer's packages into \(virtualenv.path)…")
        if !FileManager.default.isExecutableFile(atPath: python.path) {
            try await check(ChildProcess.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-m", "venv", virtualenv.path]), "python3 -m venv")
        }
        try await check(ChildProcess.run(python, ["-m", "pip", "install", "-q", "-r", requirements.path]), "pip install")
        try FileManager.default.copyItem(at: requirements, to: marker)
    }

    /// Makes the peer's tables (`peer_*`) and the carts the loads walk, named as ours.
    func setUp(customer: String, carts: Int, ready: Int) async throws {
        try await Self.check(ChildProcess.run(
            Self.virtualenv.appendingPathComponent("bin/python"),
            [directory.appendingPathComponent("fastapi_cart.py").path, "setup", "--customer", customer, "--carts", "\(carts)", "--ready", "\(ready)"],
            environment: environment
        ), "the peer's setup")
    }

    /// Serves the peer on `port` while `body` runs, then stops it.
    func serving(port: Int, _ body: () async throws -> Void) async throws {
        let process = Process()
        process.executableURL = Self.virtualenv.appendingPathComponent("bin/uvicorn")
        process.arguments = ["fastapi_cart:app", "--app-dir", directory.path, "--host", "127.0.0.1", "--port", "\(port)", "--workers", "2",
                             "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            // Waited for asleep on a thread of its own (see ChildProcess), so no worker outlives the bench.
            let pid = process.processIdentifier
            Thread.detachNewThread {
                var info = siginfo_t()
                while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
            }
        }
        try await Wrk.waitForServer(port: port)
        try await body()
    }

    private static func check(_ finished: ChildProcess.Finished, _ what: String) throws {
        guard finished.status == 0 else { throw ValidationError("\(what) failed (\(finished.status)): \(finished.errors.suffix(2000))") }
    }
}
