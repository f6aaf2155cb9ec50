import Foundation
import PostgresNIO
import Synchronization

extension PostgresEventStore {
    /// Positions per part when a long range is verified in two parts side by side.
    public static let defaultPartLength: Int64 = 100_000

    /// Recomputes one stream's hash chain from its stored fields.
    public func verify(_ stream: StreamName) async throws -> ChainVerification {
        try await verify(scope: AuditScope(stream: stream))
    }

    /// Recomputes every stream's hash chain.
    public func verifyAll() async throws -> ChainVerification {
        try await verify(scope: .everything)
    }

    /// Recomputes the hash chains of the events in `scope`, in global order; an event whose
    /// predecessor lies before the scope chains to that predecessor's stored hash.
    /// - Parameters:
    ///   - anchor: also checks that every stream's head at the anchor's position is the one the
    ///     anchor recorded (needs the whole log in scope: ``AuditScope/isWholeLog``).
    ///   - progress: called after each page read.
    ///   - partLength: a range of at least twice this many positions is walked in two parts
    ///     side by side (the server makes one part's rows while this process hashes the other's).
    public func verify(
        scope: AuditScope, anchor: LogAnchor? = nil, progress: (@Sendable (AuditProgress) -> Void)? = nil, partLength: Int64 = defaultPartLength
    ) async throws -> ChainVerification {
        try await walk(scope: scope, anchor: anchor, progress: progress, partLength: partLength).verification
    }

    /// Verifies up to the safe frontier (or `position`, below it) and, when every link holds,
    /// records an anchor over the stream heads there.
    /// - Returns: the verification, and the anchor when one was recorded.
    public func recordAnchor(at position: Int64? = nil, progress: (@Sendable (AuditProgress) -> Void)? = nil) async throws -> (ChainVerification, LogAnchor?) {
        let safe = try await frontierStatus().safePosition
        let target = min(position ?? safe, safe)
        var scope = AuditScope.everything
        scope.toPosition = target
        let walk = try await walk(scope: scope, anchor: nil, progress: progress, partLength: Self.defaultPartLength)
        guard walk.verification.firstBrokenLink == nil else { return (walk.verification, nil) }
        let heads = walk.heads.map { LogAnchor.StreamHead(stream: $0.key, version: $0.value.version, hash: $0.value.hash.bytes) }
        let anchor = LogAnchor(position: target, root: LogAnchor.root(of: heads))
        try await storeAnchor(anchor, heads: heads, events: walk.verification.eventsChecked)
        return (walk.verification, anchor)
    }

    private struct Walk {
        var verification: ChainVerification
        var heads: [String: ChainWalker.Link]
    }

    private func walk(scope: AuditScope, anchor: LogAnchor?, progress: (@Sendable (AuditProgress) -> Void)?, partLength: Int64) async throws -> Walk {
        if anchor != nil, !scope.isWholeLog {
            throw EventStoreError(.invalidReadRange, "an anchor can only be checked against the whole log: no stream, category, start or time range")
        }
        let upper = try await lastPosition(of: scope)
        let from = scope.fromPosition
        guard from <= upper else { return Walk(verification: ChainVerification(scope: scope), heads: [:]) }
        let middle = from + (upper - from) / 2
        let ranges = upper - from + 1 >= 2 * max(1, partLength) ? [from...middle, (middle + 1)...upper] : [from...upper]
        let done = PartsDone(parts: ranges.count)
        let segments = try await withThrowingTaskGroup(of: WalkSegment.self) { group in
            for (part, range) in ranges.enumerated() {
                group.addTask {
                    var segment = WalkSegment(range: range, defersFirstLinks: part > 0)
                    var partScope = scope
                    partScope.fromPosition = range.lowerBound
                    partScope.toPosition = range.upperBound
                    try await self.scanCanonical(partScope) { page in
                        // From the log's start a stream's first event is version 1 (else it was
                        // deleted: it starts from the genesis link); from later, its predecessor
                        // may lie before the scope. Later parts leave that to the merge.
                        if part == 0, !scope.startsAtLogStart {
                            let needed = segment.walker.streamsNeedingPredecessors(in: page)
                            segment.walker.learn(predecessors: try await self.links(before: needed), for: needed)
                        }
                        segment.walk(page, anchorPosition: anchor?.position)
                        let covered = done.record(part: part, covered: page.positions[page.count - 1] - range.lowerBound + 1)
                        progress?(AuditProgress(eventsRead: Int(covered), position: from - 1 + covered, firstPosition: from, lastPosition: upper))
                    }
                    return segment
                }
            }
            var segments: [WalkSegment] = []
            for try await segment in group { segments.append(segment) }
            return segments.sorted { $0.range.lowerBound < $1.range.lowerBound }
        }
        return try await merge(segments, scope: scope, upper: upper, anchor: anchor)
    }

    /// Joins the parts in order: each later part's first links are checked against the heads
    /// the earlier ones left, then its heads take over.
    private func merge(_ segments: [WalkSegment], scope: AuditScope, upper: Int64, anchor: LogAnchor?) async throws -> Walk {
        var result = ChainVerification(scope: scope)
        result.lastPosition = upper
        var walker = ChainWalker()
        var headsAtAnchor: [String: ChainWalker.Link]?
        for var segment in segments {
            let needed = segment.deferred.filter { walker.heads[$0.stream] == nil }.map { (stream: $0.stream, version: $0.version) }
            let predecessors = scope.startsAtLogStart || needed.isEmpty ? [:] : try await links(before: needed)
            for link in segment.deferred {
                let previous = walker.heads[link.stream] ?? predecessors[link.stream] ?? .genesis
                if let broken = ChainWalker.link(
                    from: previous, stream: link.stream, version: link.version, position: link.position, stored: link.stored,
                    expected: link.expected(after: previous.hash)
                ) {
                    segment.note(broken)
                }
            }
            result.eventsChecked += segment.eventsChecked
            result.brokenLinks += segment.brokenLinks
            if let broken = segment.firstBrokenLink, result.firstBrokenLink.map({ broken.position < $0.position }) ?? true {
                result.firstBrokenLink = broken
            }
            // The heads at the anchor: the earlier parts' final ones, then this part's as it passed the anchor.
            if let anchor, headsAtAnchor == nil, segment.range.upperBound > anchor.position {
                var heads = walker
                for (stream, link) in segment.headsAtAnchor ?? segment.walker.heads { heads.set(stream, link) }
                headsAtAnchor = heads.heads
            }
            for (stream, link) in segment.walker.heads { walker.set(stream, link) }
        }
        result.streamsChecked = walker.heads.count
        if let anchor {
            result.anchorDiscrepancies = try await compare(headsAtAnchor ?? walker.heads, with: anchor)
        }
        return Walk(verification: result, heads: walker.heads)
    }
}

/// How many positions each part of a walk has covered, for the progress of the whole.
private final class PartsDone: Sendable {
    private let covered: Mutex<[Int64]>

    init(parts: Int) {
        covered = Mutex([Int64](repeating: 0, count: parts))
    }

    /// Records one part's progress; returns the positions covered by all parts.
    func record(part: Int, covered positions: Int64) -> Int64 {
        covered.withLock { covered in
            covered[part] = positions
            return covered.reduce(0, +)
        }
    }
}
