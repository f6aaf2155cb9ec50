/// Follows every stream's hash chain through events read in global order, a page at a time.
///
/// Each link is checked against its predecessor's *stored* hash, so a page can be checked as
/// soon as the predecessors of its streams are known: those read earlier are remembered, the
/// others (a scope starting mid-log) are looked up first (``streamsNeedingPredecessors(in:)``).
struct ChainWalker {
    struct Link: Sendable, Equatable {
        var version: Int64
        var hash: [UInt8]
        static let genesis = Link(version: 0, hash: CanonicalEvent.genesisHash)
    }

    /// Every stream's last link seen so far.
    private(set) var heads: [String: Link] = [:]

    /// The streams of `page` not seen yet, with the first version the page has of each.
    func streamsNeedingPredecessors(in page: [CanonicalEvent]) -> [(stream: String, version: Int64)] {
        var needed: [(stream: String, version: Int64)] = []
        var listed = Set<String>()
        for event in page where heads[event.stream] == nil && !listed.contains(event.stream) {
            listed.insert(event.stream)
            needed.append((event.stream, event.version))
        }
        return needed
    }

    /// Takes the links before the scope, for the streams ``streamsNeedingPredecessors(in:)``
    /// named; a stream without one starts from the genesis link.
    mutating func learn(predecessors: [String: Link], for streams: [(stream: String, version: Int64)]) {
        for (stream, _) in streams { heads[stream] = predecessors[stream] ?? .genesis }
    }

    /// The link this event continues: its stream's last one (known for every stream of a page
    /// once ``learn(predecessors:for:)`` ran).
    func predecessor(of event: CanonicalEvent) -> Link {
        heads[event.stream] ?? .genesis
    }

    /// Checks one event against its predecessor and moves its stream on.
    mutating func check(_ event: CanonicalEvent) -> ChainVerification.BrokenLink? {
        let previous = predecessor(of: event)
        heads[event.stream] = Link(version: event.version, hash: event.storedHash)
        let name = StreamName(trusted: event.stream)
        guard event.version == previous.version + 1 else {
            let reason = event.version > previous.version + 1
                ? "version \(event.version) follows \(previous.version): events are missing"
                : "version \(event.version) follows \(previous.version): events are out of order"
            return .init(stream: name, version: event.version, position: event.position, reason: reason, expectedHash: nil, foundHash: nil)
        }
        let expected = event.expectedHash(after: previous.hash)
        guard expected == event.storedHash else {
            return .init(
                stream: name, version: event.version, position: event.position,
                reason: "the stored hash does not match the event's content and its predecessor's hash",
                expectedHash: expected, foundHash: event.storedHash
            )
        }
        return nil
    }
}
