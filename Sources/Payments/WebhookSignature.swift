import Crypto
import Foundation

/// Signatures of the gateway's webhooks: header `Commerce-Signature: t=<unix seconds>,v1=<hex>`
/// where the hex is HMAC-SHA256 over `"<t>.<raw body>"` with the shared webhook secret. The
/// timestamp is signed too, so an old request replayed later is refused by age.
public struct WebhookSignature: Sendable {
    public enum Failure: Error, Equatable {
        case missing, malformed, mismatch, tooOld
    }

    let key: SymmetricKey
    /// How far the signed time may be from now, either way.
    public let tolerance: TimeInterval

    public init(secret: [UInt8], tolerance: TimeInterval = 300) {
        key = SymmetricKey(data: secret)
        self.tolerance = tolerance
    }

    public func sign(_ body: [UInt8], at time: Date = Date()) -> String {
        let timestamp = Int64(time.timeIntervalSince1970)
        return "t=\(timestamp),v1=\(hex(mac(timestamp, body)))"
    }

    public func verify(header: String?, body: [UInt8], now: Date = Date()) throws(Failure) {
        guard let header else { throw .missing }
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw .malformed }
            if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformed }
        guard signatures.contains(where: { signature in
            guard let bytes = Self.bytes(fromHex: signature) else { return false }
            return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Self.message(timestamp, body), using: key)
        }) else { throw .mismatch }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { throw .tooOld }
    }

    private func mac(_ timestamp: Int64, _ body: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.message(timestamp, body), using: key))
    }

    private static func message(_ timestamp: Int64, _ body: [UInt8]) -> [UInt8] {
        Array("\(timestamp).".utf8) + body
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(fromHex hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0, hex.count <= 128 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
