import Aggregates
import EventStore
import Foundation

/// At sign-in, a guest cart's lines go into the customer's cart and the guest cart closes, in
/// one transaction. Both appends expect the versions the lines were read at, so a line added to
/// the guest cart meanwhile makes the merge decide again rather than be lost.
public struct MergeGuestCart: Sendable {
    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    /// - Parameter guestTokenHash: the SHA-256 (hex) of the token the guest holds.
    public func callAsFunction(guest guestID: CartID, guestTokenHash: String, into cartID: CartID, by requester: Requester, metadata: EventMetadata) async throws -> CommandResult {
        let guestStream = StreamName.of("cart", guestID)
        let cartStream = StreamName.of("cart", cartID)
        let results = try await repository.decideTogether(metadata: metadata) { _ in
            let (guest, guestVersion) = try await repository.load(Cart.self, guestStream)
            guard guest.id != nil, case .guest(let recorded) = guest.owner, recorded == guestTokenHash else {
                throw ApplicationError.notFound("cart \(guestID)")
            }
            let (mine, myVersion) = try await repository.load(Cart.self, cartStream)
            guard mine.id != nil, requester.owns(mine.owner) else { throw ApplicationError.notFound("cart \(cartID)") }
            let context = DecisionContext(now: Date())
            let merged = try Cart.decide(.mergeGuestCart(guestCartId: guestID, lines: guest.lines), mine, context)
            let closed = try Cart.decide(.markMerged(into: cartID), guest, context)
            return [
                StreamAppend(stream: cartStream, expectedVersion: .exact(myVersion), events: merged.map { AggregateRepository.newEvent($0, metadata) }),
                StreamAppend(stream: guestStream, expectedVersion: .exact(guestVersion), events: closed.map { AggregateRepository.newEvent($0, metadata) }),
            ]
        }
        var version = try await repository.store.version(of: cartStream)
        if let mine = results.first(where: { $0.stream == cartStream }) { version = mine.lastVersion }
        return CommandResult(stream: cartStream.rawValue, version: version, position: results.map(\.lastPosition).max())
    }
}
