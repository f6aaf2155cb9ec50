import Crypto
import Foundation
import HTTPTypes

/// Guest carts' bearer secret: 32 random bytes, base64url; the cart records only its hash.
enum GuestToken {
    static let header = HTTPField.Name("Guest-Token")!

    static func generate() -> String {
        AccessTokens.randomToken()
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
