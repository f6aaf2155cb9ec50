@testable import API
import Testing

/// The profile's phone and locale checks, as values.
@Suite("Customer profile validation")
struct CustomerProfileValidationTests {
    @Test("phone numbers: digits, spaces, '()', '-', an optional leading '+', 5 to 30 long, a digit at each end")
    func phoneNumbers() {
        for accepted in ["+49 30 1234567", "030-1234567", "030 (123) 45", "12345", "+12345", String(repeating: "1", count: 30)] {
            #expect(CustomerProfile.isPhoneNumber(accepted), "\(accepted)")
        }
        for refused in ["call me", "1234", "+1234", "++12345", "12345 ", " 12345", "(030) 123 45", "030-123-", "12a45",
                        String(repeating: "1", count: 31), "", "+", "１２３４５", "123\n45"] {
            #expect(!CustomerProfile.isPhoneNumber(refused), "\(refused.debugDescription)")
        }
    }

    @Test("language tags: language, optional script, optional region")
    func languageTags() {
        for accepted in ["en", "deu", "de-DE", "pt-BR", "zh-Hant", "zh-Hant-TW", "es-419"] {
            #expect(CustomerProfile.isLanguageTag(accepted), "\(accepted)")
        }
        for refused in ["German", "e", "engl", "EN", "de-de", "de_DE", "de-", "-DE", "de-DE-DE", "zh-hant-TW", "zh-TW-Hant",
                        "es-41", "es-4190", "de-DEU", "", "dé", "de-DE ", "zh-HANT"] {
            #expect(!CustomerProfile.isLanguageTag(refused), "\(refused.debugDescription)")
        }
    }
}
