import Aggregates
import Crypto
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The keyed digest a search text is counted by (``SearchPerformed/queryDigest``): HMAC-SHA256
/// of the normalized text under the shop's key, which `0032_search_analytics.sql` made once in
/// the database, the first 16 bytes in hex. The key is read on first use and kept.
public final class SearchDigester: Sendable {
    let client: PostgresClient
    let logger: Logger
    private let key = Mutex<SymmetricKey?>(nil)

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Nil for a text with nothing but white space.
    public func digest(_ text: String) async throws -> String? {
        let normalized = SearchQuery.normalized(text)
        guard !normalized.isEmpty else { return nil }
        let code = HMAC<SHA256>.authenticationCode(for: Data(normalized.utf8), using: try await currentKey())
        return code.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    private func currentKey() async throws -> SymmetricKey {
        if let known = key.withLock({ $0 }) { return known }
        let rows = try await client.query("SELECT key FROM search_digest_key LIMIT 1", logger: logger)
        for try await bytes in rows.decode(ByteBuffer.self) {
            let loaded = SymmetricKey(data: Array(bytes.readableBytesView))
            key.withLock { $0 = loaded }
            return loaded
        }
        throw ApplicationError(.notFound, "the search digest key is missing (migration 0032)")
    }
}
