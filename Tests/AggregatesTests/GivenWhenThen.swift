@testable import Aggregates
import Foundation
import Testing

let now = Date(timeIntervalSince1970: 1_800_000_000)
let context = DecisionContext(now: now)

func id<Tag>(_ value: String) -> Identifier<Tag> { try! Identifier<Tag>(value) }
func eur(_ cents: Int64) -> Money { Money(cents, .EUR) }

/// Given past events, when a command is decided: the new events.
func given<D: Decider>(_: D.Type, _ history: [D.Event], when command: D.Command, at time: Date = now) throws -> [D.Event] {
    try D.decide(command, D.fold(history), DecisionContext(now: time))
}

/// Given past events, a command is refused with `code`, and nothing is decided.
func expectRefusal<D: Decider>(
    _: D.Type, _ history: [D.Event], when command: D.Command, code: DomainError.Code, at time: Date = now,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let events = try D.decide(command, D.fold(history), DecisionContext(now: time))
        Issue.record("expected \(code), got events \(events)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    }
}
