import Foundation
import Testing

@testable import EventStore

/// Base64url against Foundation's Base64 with the alphabet changed by hand (RFC 4648 §5).
@Suite struct Base64URLTests {
    @Test("every length and byte: the text is Foundation's Base64 in the URL alphabet without padding, and decodes back")
    func matchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            for _ in 0..<8 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                var expected = Data(bytes).base64EncodedString()
                expected = String(expected.compactMap { $0 == "=" ? nil : $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
                let encoded = Base64URL.encode(bytes)
                #expect(encoded == expected)
                #expect(Base64URL.decode(encoded) == Data(bytes))
                #expect(Base64URL.decode(encoded + String(repeating: "=", count: (4 - encoded.count % 4) % 4)) == Data(bytes), "padding is allowed")
            }
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test("a character outside the alphabet, or a length no bytes have, decodes to nothing")
    func refusesWhatIsNotBase64URL() {
        for text in ["a", "abcde", "ab+c", "ab/c", "ab c", "ab.c", "é", "ab=c"] {
            #expect(Base64URL.decode(text) == nil, "\(text)")
        }
    }
}
