import EventStore
import Foundation
import Logging
import PostgresNIO

/// `relay_topics` and `relay_topic_losses`: the id the broker gave each topic, and every time a
/// topic came back with a new one (deleted and created again, or lost by a broker that
/// restarted empty) — what was lost, and how far the relay has republished it from the store.
/// The newest loss of a topic is its *generation*: consumers of ours start a partition over
/// when their offset was stored in an older one.
public enum RelayTopicLosses {
    public struct Loss: Sendable {
        public let id: Int64
        public let topic: String
        public let category: String
        /// Every event of the category at or below it was in the lost topic.
        public let lostThrough: Int64
        /// Republished so far: every lost event at or below it.
        public let republishedAfter: Int64
        public let republished: Int64
        public let detectedAt: Date
        public let completedAt: Date?
    }

    /// Compares the broker's topic ids with those recorded: a new topic's id is recorded; a
    /// changed one records a loss of every event of its category at or below `position`
    /// (when there is any).
    /// - Returns: the losses recorded.
    static func compare(_ ids: [String: String], categories: [String: String], through position: Int64, client: PostgresClient, logger: Logger) async throws -> [Loss] {
        var recorded: [String: String] = [:]
        for try await (topic, id) in try await client.query(
            "SELECT topic, topic_id FROM relay_topics WHERE topic = ANY(\(Array(ids.keys)))", logger: logger
        ).decode((String, String).self) {
            recorded[topic] = id
        }
        var losses: [Loss] = []
        for (topic, id) in ids.sorted(by: { $0.key < $1.key }) where recorded[topic] != id {
            let wasRecorded = recorded[topic] != nil
            losses += try await client.withWatchedTransaction(logger: logger) { connection -> [Loss] in
                try await connection.query(
                    """
                    INSERT INTO relay_topics (topic, topic_id) VALUES (\(topic), \(id))
                    ON CONFLICT (topic) DO UPDATE SET topic_id = excluded.topic_id, seen_at = now()
                    """,
                    logger: logger
                )
                guard wasRecorded, let category = categories[topic] else { return [] }
                let rows = try await connection.query(
                    """
                    INSERT INTO relay_topic_losses (topic, category, lost_through)
                    SELECT \(topic), \(category), \(position)
                    WHERE EXISTS (SELECT 1 FROM events WHERE stream_category = \(category) AND global_position <= \(position))
                    RETURNING \(unescaped: columns)
                    """,
                    logger: logger
                )
                return try await decode(rows)
            }
        }
        return losses
    }

    /// Losses not yet fully republished, oldest first.
    static func pending(client: PostgresClient, logger: Logger) async throws -> [Loss] {
        try await decode(try await client.query("SELECT \(unescaped: columns) FROM relay_topic_losses WHERE completed_at IS NULL ORDER BY id", logger: logger))
    }

    /// Records a page republished: every lost event at or below `position` is sent again.
    static func advance(_ loss: Loss, to position: Int64, adding count: Int, client: PostgresClient, logger: Logger) async throws {
        try await client.query(
            """
            UPDATE relay_topic_losses SET republished_after = \(position), republished = republished + \(Int64(count)),
                completed_at = CASE WHEN \(position) >= lost_through THEN now() END
            WHERE id = \(loss.id)
            """,
            logger: logger
        )
    }

    /// The generation of each topic that has lost events: its newest loss.
    public static func generations(client: PostgresClient, logger: Logger) async throws -> [String: Int64] {
        var generations: [String: Int64] = [:]
        for try await (topic, id) in try await client.query(
            "SELECT topic, max(id) FROM relay_topic_losses GROUP BY topic", logger: logger
        ).decode((String, Int64).self) {
            generations[topic] = id
        }
        return generations
    }

    /// Every loss recorded, newest first.
    public static func all(client: PostgresClient, logger: Logger) async throws -> [Loss] {
        try await decode(try await client.query("SELECT \(unescaped: columns) FROM relay_topic_losses ORDER BY id DESC", logger: logger))
    }

    private static let columns = "id, topic, category, lost_through, republished_after, republished, detected_at, completed_at"

    private static func decode(_ rows: some AsyncSequence<PostgresRow, any Error> & Sendable) async throws -> [Loss] {
        var losses: [Loss] = []
        for try await (id, topic, category, through, after, republished, detected, completed) in rows.decode((Int64, String, String, Int64, Int64, Int64, Date, Date?).self) {
            losses.append(Loss(id: id, topic: topic, category: category, lostThrough: through, republishedAfter: after,
                               republished: republished, detectedAt: detected, completedAt: completed))
        }
        return losses
    }
}
