/// Every event type of every aggregate, with its stream category: what the relay, the schema
/// check and the documentation enumerate.
public enum EventCatalog {
    public struct Entry: Sendable {
        public let category: String
        public let payloadType: any EventPayload.Type
        public var eventType: String { payloadType.eventType }
        public var schemaVersion: Int { payloadType.schemaVersion }
        /// The sample instance as stored JSON.
        public var sampleJSON: String { EventCodec.encodeJSON(payloadType.sample) }
    }

    public static let categories: [(category: String, types: [any EventPayload.Type])] = [
        ("product", ProductEvent.payloadTypes),
        ("inventory", InventoryEvent.payloadTypes),
        ("cart", CartEvent.payloadTypes),
        ("order", OrderEvent.payloadTypes),
        ("payment", PaymentEvent.payloadTypes),
        ("promotion", PromotionEvent.payloadTypes),
        ("coupon", CouponEvent.payloadTypes),
        ("activity", ActivityEvent.payloadTypes),
        ("review", ReviewEvent.payloadTypes),
        ("wishlist", WishlistEvent.payloadTypes),
        ("category", CategoryTreeEvent.payloadTypes),
        ("currency", ExchangeRatesEvent.payloadTypes),
        ("specification", SpecificationCatalogEvent.payloadTypes),
    ]

    public static let entries: [Entry] = categories.flatMap { category, types in
        types.map { Entry(category: category, payloadType: $0) }
    }

    private static let names: [ObjectIdentifier: String] = Dictionary(
        entries.map { (ObjectIdentifier($0.payloadType), String(describing: $0.payloadType)) }, uniquingKeysWith: { first, _ in first }
    )

    /// A payload type's event type name: its type's name.
    static func name(of type: any EventPayload.Type) -> String {
        names[ObjectIdentifier(type)] ?? String(describing: type)
    }
}
