/// A shopper's browsing — products viewed, searches made — as an append-only log per shopper.
///
/// Not an aggregate with rules: nothing is ever refused, so its events are appended without a
/// version check, in batches, by the API's activity recorder. The stream is personal data's
/// neighbour: it names the customer (a pseudonymous id) or a guest's hashed session, and the
/// search text in it is sealed (see ``PersonalData``).
public enum Activity {
    public static let category = "activity"
    /// The longest search text recorded; longer queries are cut here.
    public static let maximumQueryLength = 200

    /// `activity-customer_<id>` or `activity-guest_<session hash>`: one stream per shopper.
    public static func streamName(for viewer: CartOwner) -> String {
        switch viewer {
        case .customer(let id): "\(category)-customer_\(id.rawValue)"
        case .guest(let session): "\(category)-guest_\(session)"
        }
    }
}
