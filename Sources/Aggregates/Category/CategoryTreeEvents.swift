import Foundation

/// A category was made under `parentId` (none: a top-level one) at `position` among its
/// siblings (0 first; the ones from there on move one down).
public struct CategoryCreated: EventPayload {
    public var categoryId: CategoryID
    public var parentId: CategoryID?
    /// Unique in the tree: the category's address in a storefront's URLs.
    public var slug: String
    /// The name in the shop's default language.
    public var name: String
    /// The name in other languages, by locale tag (`de`, `fr-CH`).
    public var localizedNames: [String: String]
    public var position: Int

    public static let sample = CategoryCreated(
        categoryId: try! CategoryID("shirts"), parentId: try! CategoryID("apparel"), slug: "shirts", name: "Shirts",
        localizedNames: ["de": "Hemden", "fr": "Chemises"], position: 0
    )
}

/// The category's name, names in other languages and slug as they now stand.
public struct CategoryRenamed: EventPayload {
    public var categoryId: CategoryID
    public var slug: String
    public var name: String
    public var localizedNames: [String: String]

    public static let sample = CategoryRenamed(
        categoryId: CategoryCreated.sample.categoryId, slug: "shirts-and-tops", name: "Shirts & Tops", localizedNames: ["de": "Hemden & Tops"]
    )
}

/// The category, with everything under it, now stands under `parentId` (none: at the top) at
/// `position` among its new siblings. A change of position under the same parent is a reorder.
public struct CategoryMoved: EventPayload {
    public var categoryId: CategoryID
    public var parentId: CategoryID?
    public var position: Int

    public static let sample = CategoryMoved(categoryId: CategoryCreated.sample.categoryId, parentId: try! CategoryID("menswear"), position: 2)
}

/// An empty category (no subcategories, no products) was removed.
public struct CategoryDeleted: EventPayload {
    public var categoryId: CategoryID

    public static let sample = CategoryDeleted(categoryId: CategoryCreated.sample.categoryId)
}

public enum CategoryTreeEvent: DomainEvent {
    case created(CategoryCreated)
    case renamed(CategoryRenamed)
    case moved(CategoryMoved)
    case deleted(CategoryDeleted)

    public static let payloadTypes: [any EventPayload.Type] = [CategoryCreated.self, CategoryRenamed.self, CategoryMoved.self, CategoryDeleted.self]

    public var payload: any EventPayload {
        switch self {
        case .created(let payload): payload
        case .renamed(let payload): payload
        case .moved(let payload): payload
        case .deleted(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as CategoryCreated: self = .created(payload)
        case let payload as CategoryRenamed: self = .renamed(payload)
        case let payload as CategoryMoved: self = .moved(payload)
        case let payload as CategoryDeleted: self = .deleted(payload)
        default: return nil
        }
    }

    public var categoryId: CategoryID {
        switch self {
        case .created(let event): event.categoryId
        case .renamed(let event): event.categoryId
        case .moved(let event): event.categoryId
        case .deleted(let event): event.categoryId
        }
    }
}
