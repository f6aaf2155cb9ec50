import Foundation

/// The specifications the shop's products may have (``SpecificationDefinition``), one stream
/// (`specification-catalog`): at most ``maximumDefinitions``.
public enum SpecificationCatalog: Decider {
    public static let maximumDefinitions = 200

    public struct State: Sendable, Equatable, Encodable {
        public var definitions: [String: SpecificationDefinition] = [:]

        public init() {}
    }

    public enum Command: Sendable {
        /// Defines the key, or redefines it as a whole (the same definition again is no change).
        case define(SpecificationDefinition)
        case remove(key: String)
    }

    public typealias Event = SpecificationCatalogEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        switch command {
        case .define(let definition):
            try validate(definition)
            guard state.definitions[definition.key] != definition else { return [] }
            guard state.definitions[definition.key] != nil || state.definitions.count < maximumDefinitions else {
                throw DomainError(.invalidValue, "the shop defines at most \(maximumDefinitions) specifications")
            }
            return [.defined(SpecificationDefined(definition: definition))]
        case .remove(let key):
            guard state.definitions[key] != nil else { throw DomainError(.notFound, "there is no specification \(key.prefix(50))") }
            return [.removed(SpecificationRemoved(key: key))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .defined(let event): state.definitions[event.definition.key] = event.definition
        case .removed(let event): state.definitions[event.key] = nil
        }
        return state
    }

    public static func validate(_ definition: SpecificationDefinition) throws(DomainError) {
        guard (1...50).contains(definition.key.count), definition.key.first?.isLetter == true,
              definition.key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw DomainError(.invalidValue, "a specification key is 1-50 ASCII letters, digits and _, starting with a letter")
        }
        try validateText(definition.label, "label", maximum: 100)
        switch definition.kind {
        case .number:
            guard definition.options == nil else { throw DomainError(.invalidValue, "a number takes no options") }
            if let unit = definition.unit { try validateText(unit, "unit", maximum: 20) }
        case .option:
            guard definition.unit == nil else { throw DomainError(.invalidValue, "an option takes no unit") }
            let options = definition.options ?? []
            guard (1...100).contains(options.count) else { throw DomainError(.invalidValue, "an option lists 1 to 100 values") }
            for option in options { try validateText(option, "an option", maximum: 100) }
            guard Set(options.map { $0.lowercased() }).count == options.count else {
                throw DomainError(.invalidValue, "options differ without regard to case")
            }
        case .text:
            guard definition.unit == nil, definition.options == nil else { throw DomainError(.invalidValue, "text takes no unit and no options") }
        }
    }
}
