/// Follows every stream's hash chain through events read in global order, a page at a time.
///
/// Each link is checked against its predecessor's *stored* hash, so a page can be checked as
/// soon as the predecessors of its streams are known: those read earlier are remembered, the
/// others (a scope starting mid-log) are looked up first (``streamsNeedingPredecessors(in:)``).
struct ChainWalker {
    struct Link: Sendable, Equatable {
        var version: Int64
        var hash: ChainHash
        static let genesis = Link(version: 0, hash: .genesis)
    }

    /// Every stream's last link seen so far.
    private(set) var heads: [String: Link] = [:]

    /// The streams of `page` not seen yet, with the first version the page has of each.
    func streamsNeedingPredecessors(in page: CanonicalPage) -> [(stream: String, version: Int64)] {
        var needed: [(stream: String, version: Int64)] = []
        var listed = Set<String>()
        for index in 0..<page.count where heads[page.streams[index]] == nil && !listed.contains(page.streams[index]) {
            listed.insert(page.streams[index])
            needed.append((page.streams[index], page.versions[index]))
        }
        return needed
    }

    /// Takes the links before the scope, for the streams ``streamsNeedingPredecessors(in:)``
    /// named; a stream without one starts from the genesis link.
    mutating func learn(predecessors: [String: Link], for streams: [(stream: String, version: Int64)]) {
        for (stream, _) in streams { heads[stream] = predecessors[stream] ?? .genesis }
    }

    /// The link an event continues: its stream's last one (known for every stream of a page
    /// once ``learn(predecessors:for:)`` ran).
    func predecessor(of index: Int, in page: CanonicalPage) -> Link {
        heads[page.streams[index]] ?? .genesis
    }

    /// Checks one event against its predecessor and moves its stream on.
    mutating func check(_ index: Int, in page: CanonicalPage) -> ChainVerification.BrokenLink? {
        let stream = page.streams[index]
        let version = page.versions[index]
        let stored = page.storedHashes[index]
        let previous = heads.updateValue(Link(version: version, hash: stored), forKey: stream) ?? .genesis
        let name = StreamName(trusted: stream)
        guard version == previous.version + 1 else {
            let reason = version > previous.version + 1
                ? "version \(version) follows \(previous.version): events are missing"
                : "version \(version) follows \(previous.version): events are out of order"
            return .init(stream: name, version: version, position: page.positions[index], reason: reason, expectedHash: nil, foundHash: nil)
        }
        let expected = page.withCanonicalText(index) { ChainHash.chained(after: previous.hash, text: $0) }
        guard expected == stored, !page.malformedHashes.contains(index) else {
            return .init(
                stream: name, version: version, position: page.positions[index],
                reason: "the stored hash does not match the event's content and its predecessor's hash",
                expectedHash: expected.bytes, foundHash: page.malformedHashes.contains(index) ? nil : stored.bytes
            )
        }
        return nil
    }
}
