import Aggregates
import EventStore

/// What the recommendations read model takes from an event, read field by field from its JSON
/// (``JSONObject``) rather than decoded into the domain event: a rebuild reads every placed
/// order and view, and the whole decoded order (address, totals, prices) is most of the cost.
enum RecommendationFact: Sendable {
    struct Line: Sendable {
        let product: String
        let quantity: Int64
    }

    /// An order's lines, and its customer when signed in.
    case placed(customer: String?, lines: [Line])
    /// A product viewed on `viewer`'s activity stream, by a signed-in `customer` or a guest.
    case viewed(viewer: String, customer: String?, product: String)
    case ignored

    /// The current schema version of each type this read model reads.
    private static let currentVersions: [String: Int] = [
        OrderPlaced.eventType: OrderPlaced.schemaVersion, ProductViewed.eventType: ProductViewed.schemaVersion,
    ]

    static func decode(_ event: RecordedEvent, ignoring: Set<String>) -> Result<RecommendationFact, DomainError> {
        if ignoring.contains(event.type) { return .success(.ignored) }
        return JSONObject.read(event, versions: currentVersions, by: "the recommendations read model") {
            read(event.type, $0, stream: event.stream.rawValue)
        }
    }

    private static func read(_ type: String, _ event: JSONObject, stream: String) -> RecommendationFact? {
        switch type {
        case OrderPlaced.eventType:
            guard let customer = event.object("customer"), let kind = customer.string("kind"), let id = customer.string("id"),
                  let lineObjects = event.objects("lines") else { return nil }
            let lines = lineObjects.compactMap { line in
                line.string("productId").flatMap { product in line.integer("quantity").map { Line(product: product, quantity: $0) } }
            }
            guard lines.count == lineObjects.count else { return nil }
            return .placed(customer: kind == "customer" ? id : nil, lines: lines)
        case ProductViewed.eventType:
            guard let viewer = event.object("viewer"), let kind = viewer.string("kind"), let id = viewer.string("id"),
                  let product = event.string("productId") else { return nil }
            return .viewed(viewer: stream, customer: kind == "customer" ? id : nil, product: product)
        default:
            return nil
        }
    }
}
