/// One part of the log, walked on its own while other parts are walked beside it: the links
/// inside it are checked as it goes; each stream's first event in it, whose predecessor lies in
/// an earlier part, is kept (its canonical text copied) and checked once that part is done.
struct WalkSegment: Sendable {
    /// A stream's first event in a part after the first, waiting for its predecessor.
    struct DeferredLink: Sendable {
        let stream: String
        let version: Int64
        let position: Int64
        let stored: ChainHash?
        /// Its canonical text.
        let text: [UInt8]

        func expected(after previous: ChainHash) -> ChainHash {
            text.withUnsafeBytes { ChainHash.chained(after: previous, text: $0) }
        }
    }

    let range: ClosedRange<Int64>
    /// Whether its streams' first events wait for an earlier part (every part but the first).
    let defersFirstLinks: Bool
    var walker = ChainWalker()
    var deferred: [DeferredLink] = []
    var eventsChecked = 0
    var brokenLinks = 0
    var firstBrokenLink: ChainVerification.BrokenLink?
    /// The heads when the walk first passed `anchorPosition` inside this part.
    var headsAtAnchor: [String: ChainWalker.Link]?

    init(range: ClosedRange<Int64>, defersFirstLinks: Bool) {
        self.range = range
        self.defersFirstLinks = defersFirstLinks
    }

    mutating func walk(_ page: CanonicalPage, anchorPosition: Int64?) {
        for index in 0..<page.count {
            if let anchorPosition, headsAtAnchor == nil, page.positions[index] > anchorPosition { headsAtAnchor = walker.heads }
            eventsChecked += 1
            if defersFirstLinks, walker.heads[page.streams[index]] == nil {
                deferred.append(DeferredLink(
                    stream: page.streams[index], version: page.versions[index], position: page.positions[index],
                    stored: page.malformedHashes.contains(index) ? nil : page.storedHashes[index],
                    text: page.withCanonicalText(index) { Array($0) }
                ))
                walker.record(index, in: page)
            } else if let broken = walker.check(index, in: page) {
                note(broken)
            }
        }
    }

    mutating func note(_ broken: ChainVerification.BrokenLink) {
        brokenLinks += 1
        if firstBrokenLink.map({ broken.position < $0.position }) ?? true { firstBrokenLink = broken }
    }
}
