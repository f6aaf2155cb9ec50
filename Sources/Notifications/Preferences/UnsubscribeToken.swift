import Crypto
import Foundation

/// The token of an unsubscribe link: which customer leaves which kind of mail, signed
/// (HMAC-SHA256) so that nobody can unsubscribe someone else. It does not expire: a link in an
/// old mail must keep working (RFC 8058 asks for that).
public struct UnsubscribeToken: Sendable, Equatable {
    public var userID: String
    public var kind: NotificationKind

    public init(userID: String, kind: NotificationKind) {
        self.userID = userID
        self.kind = kind
    }

    /// `<base64url(userID \n kind)>.<base64url(mac)>`.
    public func signed(with key: SymmetricKey) -> String {
        let payload = Data("\(userID)\n\(kind.rawValue)".utf8)
        let mac = Data(HMAC<SHA256>.authenticationCode(for: Self.domain + payload, using: key))
        return Self.base64URL(payload) + "." + Self.base64URL(mac)
    }

    /// The token's content when its signature holds; nil for anything else.
    public init?(verifying token: String, with key: SymmetricKey) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.count <= 512, parts.count == 2, let payload = Self.data(base64URL: parts[0]), let mac = Self.data(base64URL: parts[1]),
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.domain + payload, using: key),
              let text = String(data: payload, encoding: .utf8)
        else { return nil }
        let fields = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard fields.count == 2, let kind = NotificationKind(rawValue: String(fields[1])), kind.isMarketing else { return nil }
        self.init(userID: String(fields[0]), kind: kind)
    }

    /// Keeps these MACs apart from anything else signed with the same secret.
    private static let domain = Data("commerce-unsubscribe\n".utf8)

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private static func data(base64URL text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
