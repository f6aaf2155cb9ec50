import Crypto
import EventStore
import Foundation
import Synchronization

/// Access tokens: JWTs (RFC 7519) signed with HMAC-SHA256 under the server's secret, carrying
/// the user id (`sub`), the role and an expiry. Short-lived; refresh tokens renew them.
public struct AccessTokens: Sendable {
    public enum Failure: Error, Equatable {
        case malformed, badSignature, expired
    }

    struct Claims: Codable, Sendable {
        let sub: String
        let role: Principal.Role
        let iat: Int64
        let exp: Int64
        let iss: String
        /// The session (refresh-token family) the token was issued in; absent from tokens
        /// issued before sessions were kept.
        let sid: UUID?
    }

    let key: SymmetricKey
    public let lifetime: TimeInterval
    /// Tokens whose signature checked out, with their claims: a client sends the same token
    /// with every request, and decoding it costs more than the rest of a small command.
    private let verified = VerifiedTokens()
    /// Who issued the token: one kind of token is not accepted where another is expected (a
    /// dashboard session is no API bearer token).
    let issuer: String

    /// - Parameter secret: at least 32 bytes.
    public init(secret: [UInt8], lifetime: TimeInterval = 900, issuer: String = "commerce") {
        precondition(secret.count >= 32, "the signing secret must be at least 32 bytes")
        key = SymmetricKey(data: secret)
        self.lifetime = lifetime
        self.issuer = issuer
    }

    public func issue(for principal: Principal, now: Date = Date()) -> String {
        let header = Self.base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims = Claims(sub: principal.userID, role: principal.role, iat: Int64(now.timeIntervalSince1970),
                            exp: Int64(now.addingTimeInterval(lifetime).timeIntervalSince1970), iss: issuer, sid: principal.sessionID)
        let payload = Self.base64URL(try! JSONEncoder().encode(claims))
        let signature = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: key)
        return "\(header).\(payload).\(Self.base64URL(Data(signature)))"
    }

    public func verify(_ token: String, now: Date = Date()) throws(Failure) -> Principal {
        if let claims = verified.claims.withLock({ $0[token] }) {
            guard Double(claims.exp) > now.timeIntervalSince1970 else { throw .expired }
            return Principal(userID: claims.sub, role: claims.role, sessionID: claims.sid)
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count < 4096, parts.count == 3,
              let header = Self.decodeBase64URL(parts[0]), let payload = Self.decodeBase64URL(parts[1]),
              let signature = Self.decodeBase64URL(parts[2])
        else { throw .malformed }
        guard (try? JSONDecoder().decode([String: String].self, from: header))?["alg"] == "HS256" else { throw .malformed }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8), using: key) else {
            throw .badSignature
        }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: payload), claims.iss == issuer else { throw .malformed }
        guard Double(claims.exp) > now.timeIntervalSince1970 else { throw .expired }
        verified.claims.withLock { verified in
            // Bounded: start over when full; tokens live 15 minutes anyway.
            if verified.count >= 50_000 { verified.removeAll(keepingCapacity: true) }
            verified[token] = claims
        }
        return Principal(userID: claims.sub, role: claims.role, sessionID: claims.sid)
    }

    /// 32 random bytes, base64url: refresh tokens and guest-cart tokens.
    static func randomToken() -> String {
        var random = SystemRandomNumberGenerator()
        return base64URL(Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }))
    }

    static func base64URL(_ data: Data) -> String { Base64URL.encode(data) }

    static func decodeBase64URL(_ text: Substring) -> Data? { Base64URL.decode(text) }
}

final class VerifiedTokens: Sendable {
    let claims = Mutex<[String: AccessTokens.Claims]>([:])
}
