import Testing

@testable import Aggregates

/// Ids are checked byte by byte; the reference is the rule written over Unicode scalars and their
/// properties (ASCII, alphabetic or a digit, `-` or `_`; 1 to 64 bytes).
@Suite struct IdentifierTests {
    private static func allowedByScalars(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }

    @Test func everyCharacterUpToU0800AloneAndInsideAnIdIsJudgedAsTheScalarRuleJudgesIt() {
        for value in 0..<0x800 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            for text in [String(scalar), "order-\(scalar)-1", "\(scalar)\(scalar)"] {
                #expect(((try? OrderID(text)) != nil) == Self.allowedByScalars(text), "U+\(String(value, radix: 16))")
            }
        }
    }

    @Test func lengthsAndTypicalIds() {
        for text in ["", String(repeating: "a", count: 64), String(repeating: "a", count: 65), "SYN-4906-3", "customer_194", "ÅSA", "a b", "東京", "mug😀"] {
            #expect(((try? SKU(text)) != nil) == Self.allowedByScalars(text), "\(text)")
        }
        #expect(throws: DomainError.self) { try ProductID("with space") }
        #expect((try? ProductID("synthetic-4906"))?.rawValue == "synthetic-4906")
    }
}
