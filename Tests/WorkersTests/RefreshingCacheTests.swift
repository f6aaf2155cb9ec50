import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

@testable import Projections

/// The shared cache behind the recommendation lists' pairs and cards, as a value: what it reads,
/// what it serves while reading again, and that nothing older than its age is ever served.
@Suite struct RefreshingCacheTests {
    /// A source whose every read is counted and whose values carry the read's number, so a test
    /// can tell a kept value from a new one.
    final class Source: Sendable {
        private let state = Mutex<(reads: Int, keys: [[String]])>((0, []))
        var reads: Int { state.withLock { $0.reads } }
        var keysRead: [[String]] { state.withLock { $0.keys } }

        /// Each key's value: "key#n" for the n-th read; keys in `omit` are left out.
        func read(_ keys: [String], omit: Set<String> = []) -> [String: String] {
            let number = state.withLock { state in
                state.reads += 1
                state.keys.append(keys.sorted())
                return state.reads
            }
            return Dictionary(uniqueKeysWithValues: keys.filter { !omit.contains($0) }.map { ($0, "\($0)#\(number)") })
        }
    }

    static let logger = Logger(label: "test")

    @Test("kept values are served without a read; the rest are read in one call; fresh reads all; a key left out is not kept")
    func keepsAndReads() async throws {
        let cache = RefreshingCache<String, String>(maximumAge: .seconds(60), capacity: 100, logger: Self.logger)
        let source = Source()
        #expect(try await cache.values(for: ["a", "b"], fresh: false) { source.read($0) } == ["a": "a#1", "b": "b#1"])
        #expect(try await cache.values(for: ["a", "c"], fresh: false) { source.read($0) } == ["a": "a#1", "c": "c#2"])
        #expect(source.keysRead == [["a", "b"], ["c"]])
        #expect(try await cache.values(for: ["a", "c"], fresh: true) { source.read($0) } == ["a": "a#3", "c": "c#3"])
        #expect(try await cache.values(for: ["a"], fresh: false) { source.read($0) } == ["a": "a#3"], "a fresh read is kept for the next")
        #expect(try await cache.values(for: ["x"], fresh: false) { source.read($0, omit: ["x"]) } == [:])
        #expect(try await cache.values(for: ["x"], fresh: false) { source.read($0) } == ["x": "x#5"], "a key left out was not kept")
        #expect(source.reads == 5)
    }

    @Test("past three quarters of its age a value is served while read again in the background; past its whole age it is read first")
    func refreshesAheadAndNeverServesOlder() async throws {
        let age = Duration.seconds(2)
        let cache = RefreshingCache<String, String>(maximumAge: age, capacity: 100, logger: Self.logger)
        let source = Source()
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await cache.values(for: ["a", "b"], fresh: false) { source.read($0) } == ["a": "a#1", "b": "b#1"])
        // Due for a read again (past ¾ of the age), still young enough to serve (under the age).
        try await clock.sleep(until: start + age * 0.8)
        let served = try await cache.values(for: ["a"], fresh: false) { source.read($0) }
        if clock.now - start < age {
            #expect(served == ["a": "a#1"], "the kept value, while it is read again")
        }
        try await waitUntil(timeout: .seconds(10)) { source.reads == 2 }
        #expect(source.keysRead.last == ["a"])
        #expect(try await cache.values(for: ["a"], fresh: false) { source.read($0) } == ["a": "a#2"], "the value read in the background")
        // b was not asked for since: past its age it is read before it is served.
        try await clock.sleep(until: start + age * 1.05)
        #expect(try await cache.values(for: ["b"], fresh: false) { source.read($0) } == ["b": "b#3"])
        #expect(source.reads == 3)
    }

    @Test("past its capacity the cache drops what is too old to serve, and everything if that is not enough")
    func staysWithinCapacity() async throws {
        let cache = RefreshingCache<String, String>(maximumAge: .seconds(60), capacity: 2, logger: Self.logger)
        let source = Source()
        _ = try await cache.values(for: ["a", "b"], fresh: false) { source.read($0) }
        _ = try await cache.values(for: ["c"], fresh: false) { source.read($0) }
        #expect(try await cache.values(for: ["c"], fresh: false) { source.read($0) } == ["c": "c#2"], "the newest is kept")
        #expect(try await cache.values(for: ["a"], fresh: false) { source.read($0) } == ["a": "a#3"], "the rest were dropped")
    }
}
