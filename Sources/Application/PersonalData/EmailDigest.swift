import Crypto
import Foundation

/// Where an e-mail address must be a key but need not be readable: the count of e-mail requests
/// for an account (`auth_attempts`) is kept under the address's SHA-256, and erasure finds it
/// by the same digest.
public enum EmailDigest {
    public static func mailRequestBucket(for email: String) -> String {
        "mail-account:" + SHA256.hash(data: Data(email.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
