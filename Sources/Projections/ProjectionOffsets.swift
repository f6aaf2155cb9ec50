import Logging
import PostgresNIO

/// `projection_offsets`: where each consumer group has got to in each topic partition, written
/// in the same transaction as the read-model changes of those messages.
public enum ProjectionOffsets {
    /// The next offset of each partition the group has stored, keyed `topic/partition`.
    public static func stored(group: String, topics: [String], client: PostgresClient, logger: Logger) async throws -> [String: Int64] {
        var stored: [String: Int64] = [:]
        let rows = try await client.query(
            "SELECT topic, partition, next_offset FROM projection_offsets WHERE consumer_group = \(group) AND topic = ANY(\(topics))",
            logger: logger
        )
        for try await (topic, partition, offset) in rows.decode((String, Int32, Int64).self) {
            stored["\(topic)/\(partition)"] = offset
        }
        return stored
    }

    /// Stores each partition's next offset, at the start of the transaction that applies the
    /// messages before it: the rows stay locked until it commits, so another member of the group
    /// applying one of those partitions waits here, and a failed batch leaves the offsets where
    /// they were. Missing rows are created. Rows are locked in (topic, partition) order, the same
    /// for every member, so two never wait for each other. One statement where locking the rows
    /// and advancing them at the end took three: it is paid on every batch.
    public static func advance(group: String, to offsets: [(topic: String, partition: Int32, next: Int64)], on connection: PostgresConnection, logger: Logger) async throws {
        guard !offsets.isEmpty else { return }
        try await connection.query(
            // A new row counts in the topic's current generation (see the relay's topic losses).
            """
            INSERT INTO projection_offsets AS o (consumer_group, topic, partition, next_offset, topic_generation)
            SELECT \(group), p.topic, p.partition, p.next, (SELECT coalesce(max(id), 0) FROM relay_topic_losses l WHERE l.topic = p.topic)
            FROM unnest(\(offsets.map(\.topic))::text[], \(offsets.map(\.partition))::int[], \(offsets.map(\.next))::bigint[]) AS p (topic, partition, next)
            ORDER BY p.topic, p.partition
            ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = now()
            """,
            logger: logger
        )
    }

    /// The topic generation (``projection_offsets.topic_generation``) each stored offset counts
    /// in, keyed `topic/partition`.
    public static func generations(group: String, topics: [String], client: PostgresClient, logger: Logger) async throws -> [String: Int64] {
        var generations: [String: Int64] = [:]
        let rows = try await client.query(
            "SELECT topic, partition, topic_generation FROM projection_offsets WHERE consumer_group = \(group) AND topic = ANY(\(topics))",
            logger: logger
        )
        for try await (topic, partition, generation) in rows.decode((String, Int32, Int64).self) {
            generations["\(topic)/\(partition)"] = generation
        }
        return generations
    }

    /// Starts a partition over from its first offset in a newer generation of its topic (the
    /// topic was lost and published again): what was applied before is skipped by stream version.
    public static func startOver(group: String, topic: String, partition: Int32, generation: Int64, client: PostgresClient, logger: Logger) async throws {
        try await client.query(
            """
            UPDATE projection_offsets SET next_offset = 0, topic_generation = \(generation), updated_at = now()
            WHERE consumer_group = \(group) AND topic = \(topic) AND partition = \(partition) AND topic_generation < \(generation)
            """,
            logger: logger
        )
    }

    /// Messages applied per topic (the sum of its partitions' next offsets).
    public static func appliedPerTopic(group: String, client: PostgresClient, logger: Logger) async throws -> [String: Int64] {
        var applied: [String: Int64] = [:]
        for try await (topic, next) in try await client.query(
            "SELECT topic, sum(next_offset)::bigint FROM projection_offsets WHERE consumer_group = \(group) GROUP BY topic", logger: logger
        ).decode((String, Int64).self) {
            applied[topic] = next
        }
        return applied
    }
}
