import Foundation
import PostgresNIO

extension PostgresEventStore {
    /// Keeps an anchor and the stream heads it was computed from (`audit_anchors`).
    func storeAnchor(_ anchor: LogAnchor, heads: [LogAnchor.StreamHead], events: Int) async throws {
        try await client.withWatchedTransaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO audit_anchors (position, root, streams, events) VALUES (\(anchor.position), \(ByteBuffer(bytes: anchor.root)), \(heads.count), \(events))
                ON CONFLICT (position) DO UPDATE SET root = EXCLUDED.root, streams = EXCLUDED.streams, events = EXCLUDED.events, created_at = now()
                """,
                logger: self.logger
            )
            try await connection.query("DELETE FROM audit_anchor_heads WHERE anchor_position = \(anchor.position)", logger: self.logger)
            var start = 0
            while start < heads.count {
                let chunk = heads[start..<min(start + 10_000, heads.count)]
                try await connection.query(
                    """
                    INSERT INTO audit_anchor_heads (anchor_position, stream_name, stream_version, hash)
                    SELECT \(anchor.position), h.stream, h.version, decode(h.hash_hex, 'hex')
                    FROM unnest(\(Array(chunk.map(\.stream)))::text[], \(Array(chunk.map(\.version)))::bigint[], \(Array(chunk.map { $0.hash.hexString }))::text[])
                        AS h(stream, version, hash_hex)
                    """,
                    logger: self.logger
                )
                start += chunk.count
            }
        }
    }

    /// The anchors recorded, newest first.
    public func anchors(limit: Int = 20) async throws -> [(anchor: LogAnchor, streams: Int, events: Int64, createdAt: Date)] {
        let rows = try await client.query(
            "SELECT position, root, streams, events, created_at FROM audit_anchors ORDER BY position DESC LIMIT \(limit)", logger: logger
        )
        var anchors: [(anchor: LogAnchor, streams: Int, events: Int64, createdAt: Date)] = []
        for try await (position, root, streams, events, created) in rows.decode((Int64, ByteBuffer, Int32, Int64, Date).self) {
            anchors.append((LogAnchor(position: position, root: Array(root.readableBytesView)), Int(streams), events, created))
        }
        return anchors
    }

    /// What differs between the heads found at the anchor's position and the anchor.
    func compare(_ found: [String: ChainWalker.Link], with anchor: LogAnchor) async throws -> [AnchorDiscrepancy] {
        let foundHeads = found.map { LogAnchor.StreamHead(stream: $0.key, version: $0.value.version, hash: $0.value.hash.bytes) }
        var recorded: [String: ChainWalker.Link] = [:]
        let rows = try await client.query(
            "SELECT stream_name, stream_version, hash FROM audit_anchor_heads WHERE anchor_position = \(anchor.position)", logger: logger
        )
        for try await (stream, version, hash) in rows.decode((String, Int64, ByteBuffer).self) {
            recorded[stream] = .init(version: version, hash: ChainHash(hash.readableBytesView) ?? .genesis)
        }
        var discrepancies: [AnchorDiscrepancy] = []
        let recordedHeads = recorded.map { LogAnchor.StreamHead(stream: $0.key, version: $0.value.version, hash: $0.value.hash.bytes) }
        if recorded.isEmpty {
            // Another database's anchor, or its record deleted: only the root can be compared.
            if LogAnchor.root(of: foundHeads) != anchor.root {
                discrepancies.append(.init(kind: .rootMismatch, stream: "", anchoredVersion: nil, foundVersion: nil))
            }
            return discrepancies
        }
        if LogAnchor.root(of: recordedHeads) != anchor.root {
            // Without trustworthy heads the streams cannot be named; the root still decides.
            discrepancies.append(.init(kind: .anchorRecordAltered, stream: "", anchoredVersion: nil, foundVersion: nil))
            if LogAnchor.root(of: foundHeads) != anchor.root {
                discrepancies.append(.init(kind: .rootMismatch, stream: "", anchoredVersion: nil, foundVersion: nil))
            }
            return discrepancies
        }
        for (stream, anchored) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let now = found[stream] else {
                discrepancies.append(.init(kind: .streamRemoved, stream: stream, anchoredVersion: anchored.version, foundVersion: nil))
                continue
            }
            if now.version < anchored.version {
                discrepancies.append(.init(kind: .streamTruncated, stream: stream, anchoredVersion: anchored.version, foundVersion: now.version))
            } else if now.version > anchored.version {
                discrepancies.append(.init(kind: .streamExtended, stream: stream, anchoredVersion: anchored.version, foundVersion: now.version))
            } else if now.hash != anchored.hash {
                discrepancies.append(.init(kind: .streamRewritten, stream: stream, anchoredVersion: anchored.version, foundVersion: now.version))
            }
        }
        for (stream, now) in found.sorted(by: { $0.key < $1.key }) where recorded[stream] == nil {
            discrepancies.append(.init(kind: .streamAdded, stream: stream, anchoredVersion: nil, foundVersion: now.version))
        }
        return discrepancies
    }
}
