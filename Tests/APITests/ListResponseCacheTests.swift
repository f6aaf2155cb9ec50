import Foundation
import Synchronization
import Testing

@testable import API

/// The cache of list answers as a value: what it keeps, for how long, what it refuses to keep,
/// and how it stays within its bytes.
@Suite struct ListResponseCacheTests {
    /// Counts the answers made, so a test can tell a kept answer from a new one.
    final class Maker: Sendable {
        private let made = Mutex(0)
        var count: Int { made.withLock { $0 } }

        func make(_ text: String) -> [UInt8] {
            made.withLock { $0 += 1 }
            return Array(text.utf8)
        }
    }

    @Test("an answer asked again within its age is the kept one; afresh makes and keeps a new one; an error is not kept")
    func keepsAndRenews() async throws {
        let cache = ListResponseCache(maximumAge: .seconds(60))
        let maker = Maker()
        #expect(try await cache.body(for: "a", afresh: false) { maker.make("first") }.bytes == Array("first".utf8))
        #expect(try await cache.body(for: "a", afresh: false) { maker.make("second") }.bytes == Array("first".utf8))
        #expect(maker.count == 1)
        #expect(try await cache.body(for: "a", afresh: true) { maker.make("third") }.bytes == Array("third".utf8))
        #expect(try await cache.body(for: "a", afresh: false) { maker.make("fourth") }.bytes == Array("third".utf8), "the fresh answer is kept for the next")
        #expect(try await cache.body(for: "b", afresh: false) { maker.make("other") }.bytes == Array("other".utf8), "keys are apart")
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await cache.body(for: "c", afresh: false) { throw Refused() } }
        #expect(try await cache.body(for: "c", afresh: false) { maker.make("made") }.bytes == Array("made".utf8), "the error was not kept")
        #expect(maker.count == 4)
    }

    @Test("an answer older than its age is made again")
    func expires() async throws {
        let cache = ListResponseCache(maximumAge: .milliseconds(20))
        let maker = Maker()
        _ = try await cache.body(for: "a", afresh: false) { maker.make("first") }
        try await Task.sleep(for: .milliseconds(25))
        #expect(try await cache.body(for: "a", afresh: false) { maker.make("second") }.bytes == Array("second".utf8))
        #expect(maker.count == 2)
    }

    @Test("past its bytes, it lets go of what it holds rather than grow")
    func bounded() async throws {
        let cache = ListResponseCache(maximumAge: .seconds(60), capacity: 10)
        let maker = Maker()
        _ = try await cache.body(for: "a", afresh: false) { maker.make("123456") }
        _ = try await cache.body(for: "b", afresh: false) { maker.make("123456") }
        // 12 bytes do not fit in 10: the first answer went, so asking for it makes it again.
        _ = try await cache.body(for: "a", afresh: false) { maker.make("123456") }
        #expect(maker.count == 3)
        #expect(cache.heldBytes <= 10)
    }
}
