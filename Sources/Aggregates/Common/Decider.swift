import Foundation

/// An aggregate's rules as pure functions: `decide` turns a command and the current state into
/// events (or refuses with a ``DomainError``), `evolve` folds an event into the state.
///
/// No I/O, no clock, no randomness: the time comes in through ``DecisionContext``. That makes
/// every rule testable as given events / when command / then events.
public protocol Decider {
    associatedtype State: Sendable & Equatable
    associatedtype Command: Sendable
    associatedtype Event: DomainEvent

    static var initialState: State { get }
    static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event]
    static func evolve(_ state: State, _ event: Event) -> State
}

extension Decider {
    /// The state after `events`, from the initial state.
    public static func fold(_ events: [Event]) -> State {
        events.reduce(initialState, evolve)
    }

    /// Decides, then evolves the state with the new events.
    public static func handle(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> (events: [Event], state: State) {
        let events = try decide(command, state, context)
        return (events, events.reduce(state, evolve))
    }
}

/// What a decision may depend on besides the command and the state.
public struct DecisionContext: Sendable {
    /// The current time, from the caller's clock.
    public var now: Date

    public init(now: Date) {
        self.now = now
    }
}
