import Aggregates
import EventStore
import Foundation

/// Applies ``PersonalData``'s rules: seals the personal fields of events before they are
/// appended, and reveals them where the domain or a reader needs them. Every append the
/// application makes goes through ``AggregateRepository``, which seals with this.
public struct PersonalDataProtection: Sendable {
    public let vault: PersonalDataVault

    public init(vault: PersonalDataVault) {
        self.vault = vault
    }

    public init(store: PostgresEventStore) {
        self.init(vault: PersonalDataVault(client: store.client, logger: store.logger))
    }

    /// The appends with every personal field sealed under its data subject's key.
    public func seal(_ appends: [StreamAppend]) async throws -> [StreamAppend] {
        var sealed = appends
        var memo = PersonalDataVault.SealMemo()
        for (appendIndex, append) in appends.enumerated() {
            for (eventIndex, event) in append.events.enumerated() {
                guard let rule = PersonalData.rules[event.type] else { continue }
                sealed[appendIndex].events[eventIndex].data = try await vault.seal(
                    event.data, object: rule.object, fields: rule.fields, subject: Self.subject(of: event.data, rule), memo: &memo
                )
            }
        }
        return sealed
    }

    /// An event's data with its personal fields opened (or marked erased).
    public func reveal(type: String, data: String) async throws -> String {
        guard let rule = PersonalData.rules[type] else { return data }
        return try await vault.reveal(data, object: rule.object, fields: rule.fields)
    }

    /// The subject an event's personal data belongs to: its owner member and its cart.
    static func subject(of json: String, _ rule: PersonalData.Rule) -> String {
        let cartId = JSONStringMembers(json, object: [], names: ["cartId"])?.members.first?.value ?? ""
        var ownerMembers: [String: String] = [:]
        for member in JSONStringMembers(json, object: [rule.owner], names: ["kind", "id"])?.members ?? [] { ownerMembers[member.name] = member.value }
        let owner: CartOwner? = switch (ownerMembers["kind"], ownerMembers["id"]) {
        case ("customer"?, let id?): (try? CustomerID(id)).map(CartOwner.customer)
        case ("guest"?, let id?): .guest(id)
        default: nil
        }
        return PersonalData.subject(owner: owner, cartId: cartId)
    }
}
