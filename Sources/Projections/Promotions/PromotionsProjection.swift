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
final class PromotionsBuilder: ReadModelBuilder {
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
    /// Not used: its rows are merged either way.
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
                    discount: amount, orderTotal: orderTotal, currency: currency, placedAt: event.recordedAt
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

    func flush(on connection: PostgresConnection, logger: Logger) async throws {
        let ids = changedPromotions.sorted()
        let rows = ids.map { promotions[$0]! }
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
            rowCount: ids.count, on: connection, logger: logger
        )
        let codeIDs = changedCodes.sorted()
        let codeRows = codeIDs.map { codes[$0]! }
        try await BulkInsert(
            table: "promotion_codes",
            columns: [
                ("code", "$1"), ("promotion_id", "$2"), ("usage_limit", "nullif($3, -1)::integer"), ("per_customer_limit", "nullif($4, -1)::integer"),
                ("disabled", "$5"), ("issued_at", "$6"),
            ],
            conflict: "ON CONFLICT (code) DO UPDATE SET disabled = excluded.disabled"
        ).write(
            [
                .text(codeIDs), .text(codeRows.map(\.promotionID)), .bigint(codeRows.map { Int64($0.usageLimit ?? -1) }),
                .bigint(codeRows.map { Int64($0.perCustomerLimit ?? -1) }), .boolean(codeRows.map(\.disabled)), .timestamptz(codeRows.map(\.issuedAt)),
            ],
            rowCount: codeIDs.count, on: connection, logger: logger
        )
        try await BulkInsert(
            table: "promotion_redemptions",
            columns: [
                ("promotion_id", "$1"), ("order_id", "$2"), ("code", "nullif($3, '')"), ("customer_kind", "$4"), ("customer_id", "$5"),
                ("discount", "$6"), ("order_total", "$7"), ("currency", "$8"), ("placed_at", "$9"),
            ],
            conflict: "ON CONFLICT (promotion_id, order_id) DO NOTHING"
        ).write(
            [
                .text(redemptions.map(\.promotionID)), .text(redemptions.map(\.orderID)), .text(redemptions.map { $0.code ?? "" }),
                .text(redemptions.map(\.customerKind)), .text(redemptions.map(\.customerID)), .bigint(redemptions.map(\.discount)),
                .bigint(redemptions.map(\.orderTotal)), .text(redemptions.map(\.currency)), .timestamptz(redemptions.map(\.placedAt)),
            ],
            rowCount: redemptions.count, on: connection, logger: logger
        )
        // After the inserts: an order placed and cancelled in one batch is marked too.
        if !cancellations.isEmpty {
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
        changedPromotions.removeAll(keepingCapacity: true)
        changedCodes.removeAll(keepingCapacity: true)
        redemptions.removeAll(keepingCapacity: true)
        cancellations.removeAll(keepingCapacity: true)
        try await streamVersions.write(projection: projection, on: connection, logger: logger)
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
