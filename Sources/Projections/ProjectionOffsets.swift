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

    /// Locks the partitions' rows for the caller's transaction (creating missing ones at 0):
    /// another member of the group applying one of them waits here. Rows are locked in
    /// (topic, partition) order, the same for every member, so two never wait for each other.
    public static func lock(group: String, partitions: [(topic: String, partition: Int32)], on connection: PostgresConnection, logger: Logger) async throws {
        guard !partitions.isEmpty else { return }
        let topics = partitions.map(\.topic)
        let numbers = partitions.map(\.partition)
        try await connection.query(
            // A new row counts in the topic's current generation (see the relay's topic losses).
            """
            INSERT INTO projection_offsets (consumer_group, topic, partition, next_offset, topic_generation)
            SELECT \(group), p.topic, p.partition, 0, (SELECT coalesce(max(id), 0) FROM relay_topic_losses l WHERE l.topic = p.topic)
            FROM unnest(\(topics)::text[], \(numbers)::int[]) AS p (topic, partition)
            ORDER BY p.topic, p.partition
            ON CONFLICT DO NOTHING
            """,
            logger: logger
        )
        try await connection.query(
            """
            SELECT 1 FROM projection_offsets o
            WHERE o.consumer_group = \(group) AND (o.topic, o.partition) IN (SELECT * FROM unnest(\(topics)::text[], \(numbers)::int[]))
            ORDER BY o.topic, o.partition FOR UPDATE
            """,
            logger: logger
        )
    }

    /// Stores each partition's next offset.
    public static func advance(group: String, to offsets: [(topic: String, partition: Int32, next: Int64)], on connection: PostgresConnection, logger: Logger) async throws {
        guard !offsets.isEmpty else { return }
        try await connection.query(
            """
            UPDATE projection_offsets o SET next_offset = p.next, updated_at = now()
            FROM unnest(\(offsets.map(\.topic))::text[], \(offsets.map(\.partition))::int[], \(offsets.map(\.next))::bigint[]) AS p (topic, partition, next)
            WHERE o.consumer_group = \(group) AND o.topic = p.topic AND o.partition = p.partition
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
