import Foundation
import PostgresNIO

extension PostgresEventStore {
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
    public func verify(
        scope: AuditScope, anchor: LogAnchor? = nil, progress: (@Sendable (AuditProgress) -> Void)? = nil
    ) async throws -> ChainVerification {
        try await walk(scope: scope, anchor: anchor, progress: progress).verification
    }

    /// Verifies up to the safe frontier (or `position`, below it) and, when every link holds,
    /// records an anchor over the stream heads there.
    /// - Returns: the verification, and the anchor when one was recorded.
    public func recordAnchor(at position: Int64? = nil, progress: (@Sendable (AuditProgress) -> Void)? = nil) async throws -> (ChainVerification, LogAnchor?) {
        let safe = try await frontierStatus().safePosition
        let target = min(position ?? safe, safe)
        var scope = AuditScope.everything
        scope.toPosition = target
        let walk = try await walk(scope: scope, anchor: nil, progress: progress)
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

    private func walk(scope: AuditScope, anchor: LogAnchor?, progress: (@Sendable (AuditProgress) -> Void)?) async throws -> Walk {
        if anchor != nil, !scope.isWholeLog {
            throw EventStoreError(.invalidReadRange, "an anchor can only be checked against the whole log: no stream, category, start or time range")
        }
        var result = ChainVerification(scope: scope)
        var walker = ChainWalker()
        var headsAtAnchor: [String: ChainWalker.Link]?
        let lastPosition = try await scanCanonical(scope) { page in
            let needed = walker.streamsNeedingPredecessors(in: page)
            // Read from the log's start, a stream's first event is version 1 (else it was
            // deleted); read from later, its predecessor may lie before the scope.
            let startsAtBeginning = scope.fromPosition == 1 && scope.fromTime == nil
            let predecessors = startsAtBeginning ? [:] : try await links(before: needed)
            walker.learn(predecessors: predecessors, for: needed)
            for index in 0..<page.count {
                if let anchor, headsAtAnchor == nil, page.positions[index] > anchor.position { headsAtAnchor = walker.heads }
                result.eventsChecked += 1
                if let broken = walker.check(index, in: page) {
                    result.brokenLinks += 1
                    if result.firstBrokenLink == nil { result.firstBrokenLink = broken }
                }
            }
            result.lastPosition = page.positions[page.count - 1]
            progress?(AuditProgress(eventsRead: result.eventsChecked, position: result.lastPosition, firstPosition: scope.fromPosition, lastPosition: scope.toPosition ?? result.lastPosition))
        }
        result.lastPosition = max(result.lastPosition, lastPosition)
        result.streamsChecked = walker.heads.count
        if let anchor {
            result.anchorDiscrepancies = try await compare(headsAtAnchor ?? walker.heads, with: anchor)
        }
        return Walk(verification: result, heads: walker.heads)
    }
}
