import EventStore
import Foundation
import Testing

/// The ids the server makes for events, orders, carts and requests.
@Suite("Random identifiers")
struct RandomIdentifierTests {
    @Test("uuid() is a version 4, variant 1 UUID, and ids do not repeat")
    func uuids() {
        let ids = (0..<10_000).map { _ in RandomIdentifier.uuid() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let text = id.uuidString.lowercased()
            // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx (RFC 9562, section 5.4)
            let characters = Array(text)
            #expect(characters[14] == "4", "\(text)")
            #expect("89ab".contains(characters[19]), "\(text)")
        }
    }

    @Test("hex(prefix:) is the prefix and 32 lowercase hex digits, every digit in use")
    func hex() {
        var seen = Set<Character>()
        var ids = Set<String>()
        for _ in 0..<1_000 {
            let id = RandomIdentifier.hex(prefix: "order_")
            #expect(id.hasPrefix("order_"))
            let digits = id.dropFirst("order_".count)
            #expect(digits.count == 32 && digits.allSatisfy { "0123456789abcdef".contains($0) }, "\(id)")
            seen.formUnion(digits)
            ids.insert(id)
        }
        #expect(ids.count == 1_000)
        #expect(seen.count == 16)
    }
}
