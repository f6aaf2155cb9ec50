import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Reviews as the product page and the moderation queue list them, and each product's rating
/// summary over its approved reviews (`schemas/sql/0021_reviews_wishlists.sql`), read by
/// ``ReviewsReader`` and joined into the catalog's listing for rating filters and sorts.
public struct ReviewsProjection: Projection {
    public let name = "reviews"
    public let categories: Set<String> = ["review"]
    public let tables = ["product_reviews", "product_ratings"]

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { ReviewsBuilder(projection: name) }
}

/// Review rows in memory; the rating summary changes as the difference each review's approved
/// rating makes, added to the stored sums on flush (so a batch never reads the summaries).
final class ReviewsBuilder: TableWritingBuilder {
    struct ReviewRow: Sendable {
        var productID: String
        var customerID: String
        var orderID: String?
        var verified: Bool
        var rating: Int
        var title: String
        var body: String
        var status: String
        var flags: [String]
        var rejectionReason: String?
        var helpful: Int
        var notHelpful: Int
        var reports: Int
        var edits: Int
        var createdAt: Date
        var updatedAt: Date
        var position: Int64

        /// The rating this review adds to its product's summary: only approved reviews count.
        var countedRating: Int? { status == Review.Status.approved.rawValue ? rating : nil }
    }

    /// What one review event does to its row.
    enum Change: Sendable, Equatable {
        case submitted(productID: String, customerID: String, orderID: String?, verified: Bool, rating: Int, title: String, body: String,
                       status: String, flags: [String])
        case edited(rating: Int, title: String, body: String, status: String, flags: [String])
        case approved
        case rejected(reason: String)
        case deleted
        case voted(helpful: Bool, previous: Bool?)
        case reported(reports: Int, sentToModeration: Bool)
    }

    private let projection: String
    private var reviews: [String: ReviewRow] = [:]
    /// Each changed review's counted rating before this batch touched it (nil: none).
    private var countedBefore: [String: Int?] = [:]
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    /// The next flush copies its rows in (a rebuild's only flush): every summary is then the
    /// whole of its product's ratings.
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    init(projection: String) {
        self.projection = projection
    }

    /// The current schema version of each review event type.
    private static let currentVersions = JSONObject.currentVersions(of: ["review"])

    /// The review `event` changes and how, read field by field from its JSON (``JSONObject``;
    /// older schema versions upcast first): decoding each event whole through `Codable` was
    /// most of a rebuild's folding. Ids, statuses and flags are checked as decoding checks
    /// them; a field missing or of the wrong kind parks the event.
    static func change(for event: RecordedEvent) -> Result<(reviewID: String, change: Change), DomainError> {
        JSONObject.read(event, versions: currentVersions, by: "the reviews read model") { object throws(DomainError) -> (reviewID: String, change: Change)? in
            guard let id = object.string("reviewId"), let product = object.string("productId") else { return nil }
            _ = try ReviewID(id)
            _ = try ProductID(product)
            func content() -> (rating: Int, title: String, body: String, status: String, flags: [String])? {
                guard let rating = object.integer("rating"), let title = object.string("title"), let body = object.string("body"),
                      let status = object.string("status"), Review.Status(rawValue: status) != nil,
                      let flags = object.strings("flags"), flags.allSatisfy({ ReviewContentFilter.Flag(rawValue: $0) != nil }),
                      let rating = Int(exactly: rating) else { return nil }
                return (rating, title, body, status, flags)
            }
            let change: Change
            switch event.type {
            case "ReviewSubmitted":
                guard let customer = object.string("customerId"), let verified = object.boolean("verified"), let content = content() else { return nil }
                _ = try CustomerID(customer)
                var order: String?
                if let raw = object.raw("orderId"), raw != "null" {
                    guard let text = object.string("orderId") else { return nil }
                    order = try OrderID(text).rawValue
                }
                change = .submitted(productID: product, customerID: customer, orderID: order, verified: verified, rating: content.rating,
                                    title: content.title, body: content.body, status: content.status, flags: content.flags)
            case "ReviewEdited":
                guard let content = content() else { return nil }
                change = .edited(rating: content.rating, title: content.title, body: content.body, status: content.status, flags: content.flags)
            case "ReviewApproved":
                change = .approved
            case "ReviewRejected":
                guard let reason = object.string("reason") else { return nil }
                change = .rejected(reason: reason)
            case "ReviewDeleted":
                guard let by = object.string("by"), Review.Remover(rawValue: by) != nil else { return nil }
                change = .deleted
            case "ReviewVoted":
                guard let customer = object.string("customerId"), let helpful = object.boolean("helpful") else { return nil }
                _ = try CustomerID(customer)
                var previous: Bool?
                if let raw = object.raw("previous"), raw != "null" {
                    guard let value = object.boolean("previous") else { return nil }
                    previous = value
                }
                change = .voted(helpful: helpful, previous: previous)
            case "ReviewReported":
                guard let customer = object.string("customerId"), object.string("reason") != nil, let reports = object.integer("reports"),
                      let reports = Int(exactly: reports), let sent = object.boolean("sentToModeration") else { return nil }
                _ = try CustomerID(customer)
                change = .reported(reports: reports, sentToModeration: sent)
            default:
                return nil
            }
            return (id, change)
        }
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        // A rebuild's page folds while its next parts decode on the other cores.
        try await decodeAndFold(events, loadingFrom: connection, decode: { Self.change(for: $0) }) { outcomes, connection in
            try await load(Set(outcomes.compactMap { try? $0?.get().reviewID }), from: connection, logger: logger)
        } fold: { event, outcome in
            guard let outcome, let admitted = hold.admit(event, outcome) else { return }
            streamVersions.record(event)
            apply(admitted.change, to: admitted.reviewID, event)
        }
        return hold.drain()
    }

    private func apply(_ change: Change, to id: String, _ recorded: RecordedEvent) {
        if case let .submitted(product, customer, order, verified, rating, title, body, status, flags) = change {
            guard reviews[id] == nil else { return }
            if countedBefore[id] == nil { countedBefore[id] = .some(nil) }
            reviews[id] = ReviewRow(
                productID: product, customerID: customer, orderID: order, verified: verified, rating: rating, title: title, body: body,
                status: status, flags: flags, rejectionReason: nil, helpful: 0, notHelpful: 0, reports: 0, edits: 0,
                createdAt: recorded.recordedAt, updatedAt: recorded.recordedAt, position: recorded.position
            )
            return
        }
        guard var row = reviews[id] else { return }
        if countedBefore[id] == nil { countedBefore[id] = .some(row.countedRating) }
        switch change {
        case .submitted:
            return
        case let .edited(rating, title, body, status, flags):
            row.rating = rating
            row.title = title
            row.body = body
            row.status = status
            row.flags = flags
            row.rejectionReason = nil
            row.edits += 1
        case .approved:
            row.status = Review.Status.approved.rawValue
            row.rejectionReason = nil
        case .rejected(let reason):
            row.status = Review.Status.rejected.rawValue
            row.rejectionReason = reason
        case .deleted:
            row.status = Review.Status.deleted.rawValue
        case let .voted(helpful, previous):
            switch previous {
            case true?: row.helpful -= 1
            case false?: row.notHelpful -= 1
            case nil: break
            }
            if helpful { row.helpful += 1 } else { row.notHelpful += 1 }
        case let .reported(reports, sentToModeration):
            row.reports = reports
            if sentToModeration { row.status = Review.Status.pending.rawValue }
        }
        // Votes and reports are not changes to the review's text: its date stays.
        switch change {
        case .voted, .reported: break
        default: row.updatedAt = recorded.recordedAt
        }
        row.position = recorded.position
        reviews[id] = row
    }

    private func load(_ wanted: Set<String>, from connection: PostgresConnection, logger: Logger) async throws {
        let ids = Array(wanted.subtracting(reviews.keys))
        guard !ids.isEmpty else { return }
        let rows = try await connection.query(
            """
            SELECT review_id, product_id, customer_id, order_id, verified, rating, title, body, status, flags, rejection_reason,
                   helpful, not_helpful, reports, edits, created_at, updated_at, position
            FROM product_reviews WHERE review_id = ANY(\(ids))
            """,
            logger: logger
        )
        for try await row in rows {
            let (id, product, customer, order, verified, rating, title, body, status) =
                try row.decode((String, String, String, String?, Bool, Int, String, String, String).self)
            let cells = Array(row)
            reviews[id] = ReviewRow(
                productID: product, customerID: customer, orderID: order, verified: verified, rating: rating, title: title, body: body, status: status,
                flags: try cells[9].decode([String].self), rejectionReason: try cells[10].decode(String?.self), helpful: try cells[11].decode(Int.self),
                notHelpful: try cells[12].decode(Int.self), reports: try cells[13].decode(Int.self), edits: try cells[14].decode(Int.self),
                createdAt: try cells[15].decode(Date.self), updatedAt: try cells[16].decode(Date.self), position: try cells[17].decode(Int64.self)
            )
        }
    }

    func takeFoldedRows() -> any Sendable {
        defer { (reviews, countedBefore) = ([:], [:]) }
        return (reviews, countedBefore)
    }

    func takeWrites(logger: Logger) -> TableWrites {
        // The jobs lay out their rows when they run: a rebuild's run side by side, so the
        // reviews are sorted while the ratings are summed (on one core before any job, that
        // was 1.5 s of the reviews' rebuild with the other core idle).
        let (reviews, changed, copying) = (reviews, countedBefore, writesIntoEmptyTables)
        countedBefore = [:]
        writesIntoEmptyTables = false
        var writes = TableWrites()
        // In key order: a rebuild copies them into tables whose indexes are built afterwards.
        let layOut: @Sendable () -> (ids: [String], rows: [ReviewRow]) = {
            let ids = changed.keys.sorted()
            return (ids, ids.map { reviews[$0]! })
        }
        // A rebuild copies them in two halves at once (PostgreSQL takes a `COPY` in on one core),
        // both laid out once by a task started now, which cannot fail and which both halves
        // await; a live batch's one part lays them out when it runs.
        let parts = copying && changed.count > 1 ? 2 : 1
        let sorted: @Sendable () async -> (ids: [String], rows: [ReviewRow])
        if parts > 1 {
            let task = Task { layOut() }
            sorted = { await task.value }
        } else {
            sorted = layOut
        }
        writes.add("product_reviews", parts: parts) { connection, part in
            let (ids, rows) = await sorted()
            let share = ids.count * part / parts ..< ids.count * (part + 1) / parts
            try await Self.writeReviews(ids: Array(ids[share]), rows: Array(rows[share]), copying: copying, on: connection, logger: logger)
        }
        writes.add("product_ratings") {
            try await Self.writeSummaries(Self.summaryChanges(changed, in: reviews), copying: copying, on: $0, logger: logger)
        }
        let (versions, projection) = (streamVersions.take(), projection)
        writes.add("projection_stream_versions") { try await StreamVersions.write(versions, projection: projection, on: $0, logger: logger) }
        return writes
    }

    private static func writeReviews(ids: [String], rows: [ReviewRow], copying: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        try await BulkInsert(
            table: "product_reviews",
            columns: [
                ("review_id", "$1"), ("product_id", "$2"), ("customer_id", "$3"), ("order_id", "nullif($4, '')"), ("verified", "$5"),
                ("rating", "$6"), ("title", "$7"), ("body", "$8"), ("status", "$9"), ("flags", "$10::text[]"),
                ("rejection_reason", "nullif($11, '')"), ("helpful", "$12"), ("not_helpful", "$13"), ("reports", "$14"),
                ("edits", "$15"), ("created_at", "$16"), ("updated_at", "$17"), ("position", "$18"),
            ],
            conflict: """
                ON CONFLICT (review_id) DO UPDATE SET rating = excluded.rating, title = excluded.title, body = excluded.body,
                    status = excluded.status, flags = excluded.flags, rejection_reason = excluded.rejection_reason, helpful = excluded.helpful,
                    not_helpful = excluded.not_helpful, reports = excluded.reports, edits = excluded.edits, updated_at = excluded.updated_at,
                    position = excluded.position
                """
        ).write(
            [
                .text(ids), .text(rows.map(\.productID)), .text(rows.map(\.customerID)), .text(rows.map { $0.orderID ?? "" }),
                .boolean(rows.map(\.verified)), .integer(rows.map { Int32(clamping: $0.rating) }), .text(rows.map(\.title)), .text(rows.map(\.body)),
                // Flags are words of one enum: an array literal needs no quoting.
                .text(rows.map(\.status)), .text(rows.map { "{" + $0.flags.joined(separator: ",") + "}" }), .text(rows.map { $0.rejectionReason ?? "" }),
                .integer(rows.map { Int32(clamping: $0.helpful) }), .integer(rows.map { Int32(clamping: $0.notHelpful) }),
                .integer(rows.map { Int32(clamping: $0.reports) }), .integer(rows.map { Int32(clamping: $0.edits) }),
                .timestamptz(rows.map(\.createdAt)), .timestamptz(rows.map(\.updatedAt)), .bigint(rows.map(\.position)),
            ],
            rowCount: ids.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    /// Each product's change (sum, count, per-star counts) from the reviews that changed; a
    /// product whose reviews changed gets one even when it is nil (a pending review), so that
    /// live batches and a rebuild leave the same rows.
    private static func summaryChanges(_ changed: [String: Int?], in reviews: [String: ReviewRow]) -> [(product: String, delta: [Int64])] {
        var deltas: [String: [Int64]] = [:]  // product → [sum, count, stars 1…5]
        for (id, before) in changed {
            let row = reviews[id]!
            // Taken out and put back: changed in place, not copied.
            var delta = deltas.removeValue(forKey: row.productID) ?? [Int64](repeating: 0, count: 7)
            if let before, (1...5).contains(before) {
                delta[0] -= Int64(before)
                delta[1] -= 1
                delta[1 + before] -= 1
            }
            if let after = row.countedRating, (1...5).contains(after) {
                delta[0] += Int64(after)
                delta[1] += 1
                delta[1 + after] += 1
            }
            deltas[row.productID] = delta
        }
        return deltas.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Adds each product's change to its summary (into empty tables, the changes are the sums).
    private static func writeSummaries(_ summaries: [(product: String, delta: [Int64])], copying: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        func column(_ index: Int) -> BulkInsert.Column { .bigint(summaries.map { $0.delta[index] }) }
        try await BulkInsert(
            table: "product_ratings",
            columns: [
                ("product_id", "$1"), ("rating_sum", "$2"), ("rating_count", "$3"), ("stars_1", "$4"), ("stars_2", "$5"), ("stars_3", "$6"),
                ("stars_4", "$7"), ("stars_5", "$8"),
            ],
            conflict: """
                ON CONFLICT (product_id) DO UPDATE SET rating_sum = product_ratings.rating_sum + excluded.rating_sum,
                    rating_count = product_ratings.rating_count + excluded.rating_count, stars_1 = product_ratings.stars_1 + excluded.stars_1,
                    stars_2 = product_ratings.stars_2 + excluded.stars_2, stars_3 = product_ratings.stars_3 + excluded.stars_3,
                    stars_4 = product_ratings.stars_4 + excluded.stars_4, stars_5 = product_ratings.stars_5 + excluded.stars_5,
                    changed = excluded.changed
                """
        ).write(
            [.text(summaries.map(\.product)), column(0), column(1), column(2), column(3), column(4), column(5), column(6)],
            rowCount: summaries.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }
}
