import Foundation
import Synchronization
import Testing

@testable import Projections

/// The shared value behind the catalog's words and category counts: one read at a time, kept
/// for its age, read again ahead of it, afresh on demand, and a failed read's error reaching
/// every caller waiting for it.
@Suite struct SharedReadTests {
    /// Counts its reads; each read's value is its number. A read waits until `gate` opens.
    final class Source: Sendable {
        private let state = Mutex<(reads: Int, open: Bool, failing: Bool)>((0, true, false))
        var reads: Int { state.withLock { $0.reads } }
        func close() { state.withLock { $0.open = false } }
        func open() { state.withLock { $0.open = true } }
        func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

        struct Failure: Error {}

        func read() async throws -> Int {
            let number = state.withLock { state in
                state.reads += 1
                return state.reads
            }
            while !state.withLock({ $0.open }) { try await Task.sleep(for: .milliseconds(1)) }
            if state.withLock({ $0.failing }) { throw Failure() }
            return number
        }
    }

    @Test("callers with no value wait for the one read under way; the value is then kept; fresh reads again")
    func oneReadAtATime() async throws {
        let source = Source()
        let shared = SharedRead(maximumAge: .seconds(60)) { try await source.read() }
        source.close()
        async let first = shared.value()
        async let second = shared.value()
        async let third = shared.value()
        // Every caller is waiting before the read may finish: still one read.
        while source.reads == 0 { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(20))
        source.open()
        #expect(try await [first, second, third] == [1, 1, 1])
        #expect(source.reads == 1)
        #expect(try await shared.value() == 1, "kept")
        #expect(try await shared.value(fresh: true) == 2, "read afresh")
        #expect(try await shared.value() == 2, "the fresh value is kept for the next caller")
    }

    /// A clock that moves only when told, so ages pass without waiting.
    final class TestClock: Sendable {
        private let start = ContinuousClock.now
        private let elapsed = Mutex(Duration.zero)
        func advance(_ by: Duration) { elapsed.withLock { $0 += by } }
        var now: ContinuousClock.Instant { start + elapsed.withLock { $0 } }
    }

    @Test("past half its age the value is still served while it is read again in the background; past its age it is read first")
    func readsAhead() async throws {
        let source = Source()
        let clock = TestClock()
        let shared = SharedRead(maximumAge: .seconds(60), now: { clock.now }) { try await source.read() }
        #expect(try await shared.value() == 1)
        clock.advance(.seconds(31))
        source.close()
        #expect(try await shared.value() == 1, "served at once while the next read waits")
        while source.reads < 2 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(try await shared.value() == 1, "one read ahead at a time")
        source.open()
        var seen = 1
        for _ in 0..<5000 where seen == 1 {
            try await Task.sleep(for: .milliseconds(1))
            seen = try await shared.value()
        }
        #expect(seen == 2, "the background read's value replaces the old one")
        #expect(source.reads == 2)
        clock.advance(.seconds(61))
        #expect(try await shared.value() == 3, "too old to serve: read before answering")
    }

    @Test("a failed read's error reaches the callers waiting for it; the next call reads again")
    func failures() async throws {
        let source = Source()
        let shared = SharedRead(maximumAge: .seconds(60)) { try await source.read() }
        source.fail(true)
        await #expect(throws: Source.Failure.self) { try await shared.value() }
        source.fail(false)
        #expect(try await shared.value() == 2)
    }
}
