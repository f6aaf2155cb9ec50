import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Promotions as the admin lists them, their coupon codes, and every order's use of a promotion
/// with its discount and the order's total (`schemas/sql/0017_promotions.sql`), read by
/// ``PromotionsReader``.
public struct PromotionsProjection: Projection {
    public let name = "promotions"
    public let categories: Set<String> = ["promotion", "coupon", "order"]
    public let tables = ["promotions", "promotion_codes", "promotion_redemptions"]

    /// Uses are counted from the orders; the redemption events on promotion and coupon streams
    /// only serialise checkouts.
    public let ignoredEventTypes: Set<String> = [
        "PromotionRedeemed", "PromotionRedemptionReleased", "CouponRedeemed", "CouponRedemptionReleased",
        "OrderPaymentAuthorized", "OrderPaid", "OrderFulfilmentRecorded", "OrderShipped", "OrderDelivered", "OrderReturnRecorded", "OrderRefunded",
    ]

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { PromotionsBuilder(projection: name, ignoring: ignoredEventTypes) }
}

/// Promotion and code rows in memory, redemptions to insert and cancellations to mark.
final class PromotionsBuilder: TableWritingBuilder {
    struct PromotionRow {
        var definition: PromotionDefinition
        var status: String
        var createdAt: Date
        var updatedAt: Date
        var position: Int64
    }

    struct CodeRow {
        var promotionID: String
        var usageLimit: Int?
        var perCustomerLimit: Int?
        var disabled: Bool
        var issuedAt: Date
    }

    struct RedemptionRow: Sendable {
        var promotionID: String
        var orderID: String
        var code: String?
        var customerKind: String
        var customerID: String
        var discount: Int64
        var orderTotal: Int64
        var currency: String
        var placedAt: Date
        /// Set on a rebuild's rows when the order's cancellation is folded before they are copied in.
        var cancelledAt: Date?
    }

    enum Decoded: Sendable {
        case promotion(PromotionEvent)
        case coupon(CouponEvent)
        /// An order placed: its use of each promotion.
        case orderPlaced([RedemptionRow])
        case orderCancelled(orderID: String)
        case ignored
    }

    private let projection: String
    private let ignoring: Set<String>
    private var promotions: [String: PromotionRow] = [:]
    private var changedPromotions: Set<String> = []
    private var codes: [String: CodeRow] = [:]
    private var changedCodes: Set<String> = []
    private var redemptions: [RedemptionRow] = []
    private var cancellations: [(orderID: String, at: Date)] = []
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    /// The next flush copies its rows in (a rebuild's only flush), its cancellations marked on them first.
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    init(projection: String, ignoring: Set<String>) {
        self.projection = projection
        self.ignoring = ignoring
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        let ignoring = self.ignoring
        let outcomes = await decodeConcurrently(events) { event -> Result<Decoded, DomainError> in
            if ignoring.contains(event.type) { return .success(.ignored) }
            let encoded = EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data)
            return switch event.category {
            case "promotion": Result { () throws(DomainError) in .promotion(try EventCodec.decode(PromotionEvent.self, encoded)) }
            case "coupon": Result { () throws(DomainError) in .coupon(try EventCodec.decode(CouponEvent.self, encoded)) }
            case "order": Self.orderFacts(event)
            default: .failure(DomainError(.unknownEventType, "the promotions read model reads no \(event.category) events"))
            }
        }
        if let connection {
            var promotionIDs: Set<String> = []
            var codeIDs: Set<String> = []
            for outcome in outcomes {
                switch try? outcome?.get() {
                case .promotion(let event)?: promotionIDs.insert(event.promotionID)
                case .coupon(.disabled(let disabled))?: codeIDs.insert(disabled.code.rawValue)
                default: break
                }
            }
            try await load(promotions: promotionIDs, codes: codeIDs, from: connection, logger: logger)
        }
        for (event, outcome) in zip(events, outcomes) {
            guard let outcome, let value = hold.admit(event, outcome) else { continue }
            streamVersions.record(event)
            switch value {
            case .promotion(let promotion): apply(promotion, event)
            case .coupon(let coupon): apply(coupon, event)
            case .orderPlaced(let rows): redemptions += rows
            case .orderCancelled(let orderID): cancellations.append((orderID, event.recordedAt))
            case .ignored: break
            }
        }
        return hold.drain()
    }

    private func apply(_ event: PromotionEvent, _ recorded: RecordedEvent) {
        let id = event.promotionID
        switch event {
        case .created(let created):
            guard promotions[id] == nil else { return }
            promotions[id] = PromotionRow(definition: created.definition, status: Promotion.Status.draft.rawValue,
                                          createdAt: recorded.recordedAt, updatedAt: recorded.recordedAt, position: recorded.position)
        case .changed(let changed): promotions[id]?.definition = changed.definition
        case .activated: promotions[id]?.status = Promotion.Status.active.rawValue
        case .deactivated: promotions[id]?.status = Promotion.Status.inactive.rawValue
        case .archived: promotions[id]?.status = Promotion.Status.archived.rawValue
        case .redeemed, .redemptionReleased: return
        }
        promotions[id]?.updatedAt = recorded.recordedAt
        promotions[id]?.position = recorded.position
        changedPromotions.insert(id)
    }

    private func apply(_ event: CouponEvent, _ recorded: RecordedEvent) {
        switch event {
        case .issued(let issued):
            let code = issued.code.rawValue
            guard codes[code] == nil else { return }
            codes[code] = CodeRow(promotionID: issued.promotionId.rawValue, usageLimit: issued.usageLimit, perCustomerLimit: issued.perCustomerLimit,
                                  disabled: false, issuedAt: recorded.recordedAt)
            changedCodes.insert(code)
        case .disabled(let disabled):
            guard codes[disabled.code.rawValue] != nil else { return }
            codes[disabled.code.rawValue]!.disabled = true
            changedCodes.insert(disabled.code.rawValue)
        case .redeemed, .redemptionReleased:
            return
        }
    }

    /// The current schema version of each order event type.
    private static let orderVersions = JSONObject.currentVersions(of: ["order"])

    /// What an order event tells this read model, read field by field from its JSON
    /// (``JSONObject``; older versions upcast first): order events are most of what it reads,
    /// and decoding them whole was most of its rebuild's time. Of a placed order, a row per
    /// promotion it used; of a cancelled one, its id. A field missing parks the event.
    static func orderFacts(_ event: RecordedEvent) -> Result<Decoded, DomainError> {
        // Other order events tell it nothing; an unknown type still parks (below).
        if orderVersions[event.type] != nil, event.type != "OrderPlaced", event.type != "OrderCancelled" { return .success(.ignored) }
        return JSONObject.read(event, versions: orderVersions, by: "the promotions read model") { object throws(DomainError) -> Decoded? in
            guard let orderID = object.string("orderId") else { return nil }
            if event.type == "OrderCancelled" { return .orderCancelled(orderID: orderID) }
            guard let customer = object.object("customer"), let kind = customer.string("kind"), let customerID = customer.string("id"),
                  let total = object.object("totals")?.object("total"), let orderTotal = total.integer("amount"),
                  let currency = total.string("currency"), let discounts = object.objects("discounts") else { return nil }
            return .orderPlaced(try discounts.map { discount throws(DomainError) in
                guard let promotionID = discount.string("promotionId"), let amount = discount.object("amount")?.integer("amount") else {
                    throw DomainError(.malformedEvent, "\(event.type) v\(event.schemaVersion) has a discount without its promotion or amount")
                }
                return RedemptionRow(
                    promotionID: promotionID, orderID: orderID, code: discount.string("code"), customerKind: kind, customerID: customerID,
                    discount: amount, orderTotal: orderTotal, currency: currency, placedAt: event.recordedAt, cancelledAt: nil
                )
            })
        }
    }

    private func load(promotions wanted: Set<String>, codes wantedCodes: Set<String>, from connection: PostgresConnection, logger: Logger) async throws {
        let ids = Array(wanted.subtracting(promotions.keys))
        if !ids.isEmpty {
            let rows = try await connection.query(
                "SELECT promotion_id, definition::text, status, created_at, updated_at, position FROM promotions WHERE promotion_id = ANY(\(ids))",
                logger: logger
            )
            for try await (id, definition, status, createdAt, updatedAt, position) in rows.decode((String, String, String, Date, Date, Int64).self) {
                let decoded = try EventCodec.decodeJSON(PromotionDefinition.self, definition)
                promotions[id] = PromotionRow(definition: decoded, status: status, createdAt: createdAt, updatedAt: updatedAt, position: position)
            }
        }
        let codeIDs = Array(wantedCodes.subtracting(codes.keys))
        if !codeIDs.isEmpty {
            let rows = try await connection.query(
                "SELECT code, promotion_id, usage_limit, per_customer_limit, disabled, issued_at FROM promotion_codes WHERE code = ANY(\(codeIDs))",
                logger: logger
            )
            for try await (code, promotion, usageLimit, perCustomerLimit, disabled, issuedAt) in rows.decode((String, String, Int?, Int?, Bool, Date).self) {
                codes[code] = CodeRow(promotionID: promotion, usageLimit: usageLimit, perCustomerLimit: perCustomerLimit, disabled: disabled, issuedAt: issuedAt)
            }
        }
    }

    /// Three ``BulkInsert``s into tables of their own, unless orders were cancelled: their
    /// redemptions are marked after the inserts (an order placed and cancelled in one batch).
    var writesIndependentTables: Bool { cancellations.isEmpty }

    func takeFoldedRows() -> any Sendable {
        defer { (promotions, changedPromotions, codes, changedCodes, redemptions, cancellations) = ([:], [], [:], [], [], []) }
        return (promotions, changedPromotions, codes, changedCodes, redemptions, cancellations)
    }

    func takeWrites(logger: Logger) -> TableWrites {
        let copying = writesIntoEmptyTables
        writesIntoEmptyTables = false
        let ids = changedPromotions.sorted()
        let rows = ids.map { promotions[$0]! }
        let codeIDs = changedCodes.sorted()
        let codeRows = codeIDs.map { codes[$0]! }
        // Copying, every redemption is in memory: the cancellations are marked on the rows
        // before they are copied in, as the update would mark them afterwards.
        let redemptions = copying ? Self.cancelling(redemptions, by: cancellations) : redemptions
        let cancellations = copying ? [] : cancellations
        changedPromotions.removeAll(keepingCapacity: true)
        changedCodes.removeAll(keepingCapacity: true)
        self.redemptions.removeAll(keepingCapacity: true)
        self.cancellations.removeAll(keepingCapacity: true)
        var writes = TableWrites()
        // The biggest first: a rebuild runs the jobs side by side in this order.
        writes.add("promotion_codes") { try await Self.writeCodes(ids: codeIDs, rows: codeRows, copying: copying, on: $0, logger: logger) }
        writes.add("promotion_redemptions") { connection in
            try await Self.writeRedemptions(redemptions, copying: copying, on: connection, logger: logger)
            try await Self.markCancelled(cancellations, on: connection, logger: logger)
        }
        writes.add("promotions") { try await Self.writePromotions(ids: ids, rows: rows, copying: copying, on: $0, logger: logger) }
        let (versions, projection) = (streamVersions.take(), projection)
        writes.add("projection_stream_versions") { try await StreamVersions.write(versions, projection: projection, on: $0, logger: logger) }
        return writes
    }

    /// `redemptions` with each order's cancellation marked on its rows not marked yet, and only
    /// the first row of each (promotion, order): what inserting them, ignoring conflicts, and
    /// then marking the cancellations leaves.
    static func cancelling(_ redemptions: [RedemptionRow], by cancellations: [(orderID: String, at: Date)]) -> [RedemptionRow] {
        var seen: Set<String> = []
        var kept = redemptions.filter { seen.insert($0.promotionID + "\u{0}" + $0.orderID).inserted }
        guard !cancellations.isEmpty else { return kept }
        var rowsOfOrder: [String: [Int]] = [:]
        for (index, row) in kept.enumerated() { rowsOfOrder[row.orderID, default: []].append(index) }
        for cancellation in cancellations {
            for index in rowsOfOrder[cancellation.orderID] ?? [] where kept[index].cancelledAt == nil {
                kept[index].cancelledAt = cancellation.at
            }
        }
        return kept
    }

    private static func writePromotions(ids: [String], rows: [PromotionRow], copying: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        let iso = ISO8601DateFormatter()
        try await BulkInsert(
            table: "promotions",
            columns: [
                ("promotion_id", "$1"), ("name", "$2"), ("automatic", "$3"), ("status", "$4"), ("priority", "$5::integer"),
                ("valid_from", "nullif($6, '')::timestamptz"), ("valid_until", "nullif($7, '')::timestamptz"), ("definition", "$8::jsonb"),
                ("created_at", "$9"), ("updated_at", "$10"), ("position", "$11"),
            ],
            conflict: """
                ON CONFLICT (promotion_id) DO UPDATE SET name = excluded.name, automatic = excluded.automatic, status = excluded.status,
                    priority = excluded.priority, valid_from = excluded.valid_from, valid_until = excluded.valid_until,
                    definition = excluded.definition, updated_at = excluded.updated_at, position = excluded.position
                """
        ).write(
            [
                .text(ids), .text(rows.map(\.definition.name)), .boolean(rows.map(\.definition.automatic)), .text(rows.map(\.status)),
                .bigint(rows.map { Int64($0.definition.priority) }),
                .text(rows.map { $0.definition.validFrom.map(iso.string(from:)) ?? "" }),
                .text(rows.map { $0.definition.validUntil.map(iso.string(from:)) ?? "" }),
                .text(rows.map { EventCodec.encodeJSON($0.definition) }), .timestamptz(rows.map(\.createdAt)), .timestamptz(rows.map(\.updatedAt)),
                .bigint(rows.map(\.position)),
            ],
            rowCount: ids.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private static func writeCodes(ids: [String], rows: [CodeRow], copying: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        try await BulkInsert(
            table: "promotion_codes",
            columns: [
                ("code", "$1"), ("promotion_id", "$2"), ("usage_limit", "nullif($3, -1)::integer"), ("per_customer_limit", "nullif($4, -1)::integer"),
                ("disabled", "$5"), ("issued_at", "$6"),
            ],
            conflict: "ON CONFLICT (code) DO UPDATE SET disabled = excluded.disabled"
        ).write(
            [
                .text(ids), .text(rows.map(\.promotionID)), .bigint(rows.map { Int64($0.usageLimit ?? -1) }),
                .bigint(rows.map { Int64($0.perCustomerLimit ?? -1) }), .boolean(rows.map(\.disabled)), .timestamptz(rows.map(\.issuedAt)),
            ],
            rowCount: ids.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    private static func writeRedemptions(_ rows: [RedemptionRow], copying: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        try await BulkInsert(
            table: "promotion_redemptions",
            columns: [
                ("promotion_id", "$1"), ("order_id", "$2"), ("code", "nullif($3, '')"), ("customer_kind", "$4"), ("customer_id", "$5"),
                ("discount", "$6"), ("order_total", "$7"), ("currency", "$8"), ("placed_at", "$9"), ("cancelled_at", "nullif($10, 'epoch'::timestamptz)"),
            ],
            conflict: "ON CONFLICT (promotion_id, order_id) DO NOTHING"
        ).write(
            [
                .text(rows.map(\.promotionID)), .text(rows.map(\.orderID)), .text(rows.map { $0.code ?? "" }),
                .text(rows.map(\.customerKind)), .text(rows.map(\.customerID)), .bigint(rows.map(\.discount)),
                .bigint(rows.map(\.orderTotal)), .text(rows.map(\.currency)), .timestamptz(rows.map(\.placedAt)),
                .timestamptz(rows.map { $0.cancelledAt ?? Date(timeIntervalSince1970: 0) }),
            ],
            rowCount: rows.count, on: connection, logger: logger, copyingIntoEmptyTable: copying
        )
    }

    /// Marks the redemptions of cancelled orders, after the inserts: an order placed and
    /// cancelled in one batch is marked too.
    private static func markCancelled(_ cancellations: [(orderID: String, at: Date)], on connection: PostgresConnection, logger: Logger) async throws {
        guard !cancellations.isEmpty else { return }
        let orderIDs = cancellations.map(\.orderID)
        let times = cancellations.map(\.at)
        try await connection.query(
            """
            UPDATE promotion_redemptions r SET cancelled_at = c.at
            FROM unnest(\(orderIDs)::text[], \(times)::timestamptz[]) AS c(order_id, at)
            WHERE r.order_id = c.order_id AND r.cancelled_at IS NULL
            """,
            logger: logger
        )
    }
}

extension PromotionEvent {
    var promotionID: String {
        switch self {
        case .created(let e): e.promotionId.rawValue
        case .changed(let e): e.promotionId.rawValue
        case .activated(let e): e.promotionId.rawValue
        case .deactivated(let e): e.promotionId.rawValue
        case .archived(let e): e.promotionId.rawValue
        case .redeemed(let e): e.promotionId.rawValue
        case .redemptionReleased(let e): e.promotionId.rawValue
        }
    }
}
