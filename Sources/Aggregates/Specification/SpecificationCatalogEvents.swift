import Foundation

/// A specification was defined, or redefined as a whole (products keep the values they have).
public struct SpecificationDefined: EventPayload {
    public var definition: SpecificationDefinition

    public static let sample = SpecificationDefined(definition: SpecificationDefinition(key: "weight", label: "Weight", kind: .number, unit: "kg"))
}

public struct SpecificationRemoved: EventPayload {
    public var key: String

    public static let sample = SpecificationRemoved(key: "weight")
}

public enum SpecificationCatalogEvent: DomainEvent {
    case defined(SpecificationDefined)
    case removed(SpecificationRemoved)

    public static let payloadTypes: [any EventPayload.Type] = [SpecificationDefined.self, SpecificationRemoved.self]

    public var payload: any EventPayload {
        switch self {
        case .defined(let payload): payload
        case .removed(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as SpecificationDefined: self = .defined(payload)
        case let payload as SpecificationRemoved: self = .removed(payload)
        default: return nil
        }
    }
}
