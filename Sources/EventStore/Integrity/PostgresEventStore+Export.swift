import Foundation

/// What an export wrote.
public struct AuditExportSummary: Sendable {
    public var events = 0
    public var streams = 0
    /// The end of the scope exported: the file holds every event of its scope up to here.
    public var lastPosition: Int64 = 0
    /// Links already broken in the store, seen while exporting (the file shows them as they are).
    public var brokenLinks = 0
}

extension PostgresEventStore {
    /// Writes the events of `scope` as an audit export (``AuditExportFormat``), line by line.
    public func exportAudit(
        _ requested: AuditScope, now: Date = Date(), progress: (@Sendable (AuditProgress) -> Void)? = nil,
        write: ([UInt8]) throws -> Void
    ) async throws -> AuditExportSummary {
        // The end is fixed first: the header names it, and the end line vouches for everything up to it.
        let end = try await lastPosition(of: requested)
        var scope = requested
        scope.toPosition = end
        let header = AuditExportFormat.header(scope, exportedAt: now)
        var summary = AuditExportSummary()
        var walker = ChainWalker()
        var headerWritten = false
        try await scanCanonical(scope) { page in
            if !headerWritten {
                try write(header)
                headerWritten = true
            }
            let needed = walker.streamsNeedingPredecessors(in: page)
            walker.learn(predecessors: scope.startsAtLogStart ? [:] : try await links(before: needed), for: needed)
            let newStreams = Set(needed.map(\.stream))
            var announced = Set<String>()
            var chunk: [UInt8] = []
            for index in 0..<page.count {
                let stream = page.streams[index]
                if newStreams.contains(stream), announced.insert(stream).inserted {
                    AuditExportFormat.appendAnchor(stream: stream, link: walker.predecessor(of: index, in: page), to: &chunk)
                }
                if walker.check(index, in: page) != nil { summary.brokenLinks += 1 }
                AuditExportFormat.appendEvent(index, of: page, to: &chunk)
                summary.events += 1
            }
            try write(chunk)
            progress?(AuditProgress(eventsRead: summary.events, position: page.positions[page.count - 1], firstPosition: scope.fromPosition, lastPosition: end))
        }
        if !headerWritten { try write(header) }
        summary.streams = walker.heads.count
        summary.lastPosition = end
        try write(AuditExportFormat.end(events: summary.events, streams: summary.streams, lastPosition: summary.lastPosition))
        return summary
    }
}
