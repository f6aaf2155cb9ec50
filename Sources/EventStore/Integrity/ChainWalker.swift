/// Follows every stream's hash chain through events read in global order, a page at a time.
///
/// Each link is checked against its predecessor's *stored* hash, so a page can be checked as
/// soon as the predecessors of its streams are known: those read earlier are remembered, the
/// others (a scope starting mid-log) are looked up first (``streamsNeedingPredecessors(in:)``).
struct ChainWalker: Sendable {
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
        let previous = heads.updateValue(Link(version: page.versions[index], hash: page.storedHashes[index]), forKey: page.streams[index]) ?? .genesis
        return Self.link(from: previous, to: index, in: page)
    }

    /// Moves an event's stream on without checking it: its link into an earlier part of the
    /// log is checked once that part is done (see ``DeferredLink``).
    mutating func record(_ index: Int, in page: CanonicalPage) {
        heads[page.streams[index]] = Link(version: page.versions[index], hash: page.storedHashes[index])
    }

    /// Moves a stream on to `link` (merging what a later part of the log found).
    mutating func set(_ stream: String, _ link: Link) {
        heads[stream] = link
    }

    /// Whether the event continues `previous`: the next version, and the hash recomputed from
    /// its fields and `previous`'s stored hash.
    static func link(from previous: Link, to index: Int, in page: CanonicalPage) -> ChainVerification.BrokenLink? {
        let expected = page.withCanonicalText(index) { ChainHash.chained(after: previous.hash, text: $0) }
        return link(
            from: previous, stream: page.streams[index], version: page.versions[index], position: page.positions[index],
            stored: page.malformedHashes.contains(index) ? nil : page.storedHashes[index], expected: expected
        )
    }

    static func link(
        from previous: Link, stream: String, version: Int64, position: Int64, stored: ChainHash?, expected: @autoclosure () -> ChainHash
    ) -> ChainVerification.BrokenLink? {
        guard version == previous.version + 1 else {
            let reason = version > previous.version + 1
                ? "version \(version) follows \(previous.version): events are missing"
                : "version \(version) follows \(previous.version): events are out of order"
            return .init(stream: StreamName(trusted: stream), version: version, position: position, reason: reason, expectedHash: nil, foundHash: nil)
        }
        let expected = expected()
        guard let stored, expected == stored else {
            return .init(
                stream: StreamName(trusted: stream), version: version, position: position,
                reason: stored == nil ? "the stored hash is not 32 bytes long" : "the stored hash does not match the event's content and its predecessor's hash",
                expectedHash: expected.bytes, foundHash: stored?.bytes
            )
        }
        return nil
    }
}
