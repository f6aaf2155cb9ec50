import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// `SHUTDOWN_DRAIN_SECONDS`: after SIGTERM a real `commerce serve` answers readiness 503
/// `draining` while it still serves, and then stops by itself.
@Suite("Draining on shutdown")
struct ShutdownDrainTests {
    @Test("after SIGTERM, readiness is 503 draining while the server still answers; then it exits cleanly")
    func readinessDrainsBeforeTheServerStops() async throws {
        try await withTestDatabase { _, url in
            let port = try closedPort()
            let process = try CommerceProcess.server(port: port, database: url, environment: ["SHUTDOWN_DRAIN_SECONDS": "4"])
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(60), interval: .milliseconds(200)) {
                (try? await LockoutAcrossServersTests.post(port, "/health/ready", nil).status) == 200
            }

            process.terminate()
            var draining: (status: Int, body: String)?
            let drainSeen = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < drainSeen {
                if let answer = try? await LockoutAcrossServersTests.post(port, "/health/ready", nil), answer.status == 503 {
                    draining = answer
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let answer = try #require(draining, "readiness never turned 503 after SIGTERM")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            #expect(report["status"] as? String == "draining")
            // Still serving while it drains: liveness, and a real query.
            #expect(process.isRunning)
            #expect(try await LockoutAcrossServersTests.post(port, "/health/live", nil).status == 200)
            #expect(try await LockoutAcrossServersTests.post(port, "/catalog/products", nil).status == 200)

            let exitBy = ContinuousClock.now + .seconds(30)
            while process.isRunning, ContinuousClock.now < exitBy { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!process.isRunning, "stopped by itself after draining")
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
            #expect((try? await LockoutAcrossServersTests.post(port, "/health/live", nil)) == nil, "the port is closed once drained")
        }
    }
}
