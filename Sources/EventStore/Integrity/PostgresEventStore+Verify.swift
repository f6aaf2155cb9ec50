import Crypto
import Foundation
import PostgresNIO

/// What a hash-chain verification found.
public struct ChainVerification: Sendable, Equatable {
    /// The first event whose stored hash does not match its recomputed one, or whose version
    /// does not follow its predecessor's.
    public struct BrokenLink: Sendable, Equatable, CustomStringConvertible {
        public let stream: StreamName
        public let version: Int64
        public let position: Int64
        public let reason: String
        public var description: String { "\(stream)@\(version) (position \(position)): \(reason)" }
    }

    public var streamsChecked = 0
    public var eventsChecked = 0
    public var firstBrokenLink: BrokenLink?

    public var isIntact: Bool { firstBrokenLink == nil }
}

extension PostgresEventStore {
    /// Recomputes one stream's hash chain from its stored fields.
    public func verify(_ stream: StreamName) async throws -> ChainVerification {
        try await verifyChains(streamFilter: stream.rawValue)
    }

    /// Recomputes every stream's hash chain, reading the store once in (stream, version) order.
    public func verifyAll() async throws -> ChainVerification {
        try await verifyChains(streamFilter: nil)
    }

    private func verifyChains(streamFilter: String?) async throws -> ChainVerification {
        var result = ChainVerification()
        var chain = ChainState(stream: "", version: 0, hash: ChainState.genesis)
        var after = (stream: "", version: Int64(0))
        let pageSize = 5000
        while true {
            let rows = try await client.query(
                """
                SELECT stream_name, stream_version, global_position, event_id::text, event_type, schema_version::text,
                       data::text, metadata::text, coalesce(correlation_id::text, ''), coalesce(causation_id::text, ''),
                       coalesce(actor, ''), ((extract(epoch FROM recorded_at) * 1000000)::bigint)::text, hash
                FROM events
                WHERE (\(streamFilter)::text IS NULL OR stream_name = \(streamFilter))
                  AND (stream_name, stream_version) > (\(after.stream), \(after.version))
                ORDER BY stream_name, stream_version LIMIT \(pageSize)
                """,
                logger: logger
            )
            var count = 0
            for try await row in rows {
                count += 1
                let columns = row.makeRandomAccess()
                let stream = try columns[0].decode(String.self)
                let version = try columns[1].decode(Int64.self)
                let position = try columns[2].decode(Int64.self)
                let stored = Array(try columns[12].decode(ByteBuffer.self).readableBytesView)
                after = (stream, version)
                if stream != chain.stream {
                    result.streamsChecked += 1
                    chain = ChainState(stream: stream, version: 0, hash: ChainState.genesis)
                }
                result.eventsChecked += 1
                guard result.firstBrokenLink == nil else { continue }

                // The canonical text, exactly as event_canonical_text() builds it in SQL.
                var fields = [stream, String(version)]
                for index in 3...11 { fields.append(try columns[index].decode(String.self)) }
                let canonical = fields.joined(separator: "\u{1F}")
                var hasher = SHA256()
                hasher.update(data: chain.hash)
                hasher.update(data: Data(canonical.utf8))
                let expected = Array(hasher.finalize())

                let name = StreamName(trusted: stream)
                if version != chain.version + 1 {
                    result.firstBrokenLink = .init(stream: name, version: version, position: position, reason: "version \(version) follows \(chain.version): events are missing")
                } else if expected != stored {
                    result.firstBrokenLink = .init(stream: name, version: version, position: position, reason: "stored hash does not match the event's content and its predecessor's hash")
                }
                chain = ChainState(stream: stream, version: version, hash: stored)
            }
            if count < pageSize { break }
        }
        return result
    }
}

private struct ChainState {
    static let genesis = [UInt8](repeating: 0, count: 32)
    var stream: String
    var version: Int64
    var hash: [UInt8]
}
