/// Which fields of which events are personal data, and whose (GDPR art. 17: erasure).
///
/// Such fields are stored sealed with a key of their data subject (see `PersonalDataVault` in
/// the event store): erasing the subject deletes the key, and every copy of the fields — in
/// events, on Kafka, in read models, in exports — becomes unreadable while the stored events
/// stay untouched and their hash chains still verify.
///
/// Personal: an address's name, lines, city and postal code. Not personal on their own and
/// kept in clear: the country (tax, shipping rates and reports need it), ids (pseudonyms),
/// amounts and products.
public enum PersonalData {
    /// One event type's personal fields: string members of one JSON object in it.
    public struct Rule: Sendable {
        /// The path to the object holding the fields (`["shippingAddress"]`).
        public let object: [String]
        /// Its members that are personal data.
        public let fields: [String]
        /// The member naming the owner (a ``CartOwner`` object), the data subject.
        public let owner: String
    }

    /// An address's personal members.
    public static let addressFields = ["name", "line1", "line2", "city", "postalCode"]

    /// Every event type that carries personal data, by type name.
    public static let rules: [String: Rule] = [
        CartShippingAddressSet.eventType: Rule(object: ["address"], fields: addressFields, owner: "owner"),
        CartCheckedOut.eventType: Rule(object: ["shippingAddress"], fields: addressFields, owner: "owner"),
        OrderPlaced.eventType: Rule(object: ["shippingAddress"], fields: addressFields, owner: "customer"),
        SearchPerformed.eventType: Rule(object: [], fields: ["query"], owner: "viewer"),
    ]

    /// The data subject whose key seals the data: a signed-in customer (`customer-<id>`, so
    /// erasing the customer covers every cart and order), else the guest cart (`guest-cart-<id>`:
    /// a guest is known by nothing else). Without an owner (events written before owners were
    /// recorded), the cart: `cart-<id>`. A guest's browsing, which belongs to no cart, is
    /// their session's: `guest-session-<session hash>`.
    public static func subject(owner: CartOwner?, cartId: String) -> String {
        switch owner {
        case .customer(let id): "customer-\(id)"
        case .guest(let session) where cartId.isEmpty: "guest-session-\(session)"
        case .guest: "guest-cart-\(cartId)"
        case nil: "cart-\(cartId)"
        }
    }

    /// The subject of a customer's own data.
    public static func subject(customer: CustomerID) -> String {
        subject(owner: .customer(customer), cartId: "")
    }
}

/// A state that may hold personal data opened from sealed events: such states are not kept in
/// caches, so that an erasure leaves no opened copy in any process's memory.
public protocol PersonalDataHolding {
    var holdsPersonalData: Bool { get }
}
