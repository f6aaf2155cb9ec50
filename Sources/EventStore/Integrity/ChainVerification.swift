/// What a hash-chain verification found.
public struct ChainVerification: Sendable, Equatable {
    /// An event whose stored hash does not match its recomputed one, or whose version does not
    /// follow its predecessor's.
    public struct BrokenLink: Sendable, Equatable, CustomStringConvertible {
        public let stream: StreamName
        public let version: Int64
        public let position: Int64
        public let reason: String
        /// The hash recomputed from the event's fields and its predecessor's stored hash.
        public let expectedHash: [UInt8]?
        /// The hash stored with the event.
        public let foundHash: [UInt8]?

        public var description: String {
            var text = "\(stream)@\(version) (position \(position)): \(reason)"
            if let expectedHash, let foundHash { text += "; expected hash \(expectedHash.hexString), found \(foundHash.hexString)" }
            return text
        }
    }

    public var scope = AuditScope.everything
    public var streamsChecked = 0
    public var eventsChecked = 0
    /// The highest position read.
    public var lastPosition: Int64 = 0
    /// The first broken link in global order.
    public var firstBrokenLink: BrokenLink?
    /// How many links are broken in all.
    public var brokenLinks = 0
    /// Set when the verification was asked to check an anchor: what differs from it (empty = it holds).
    public var anchorDiscrepancies: [AnchorDiscrepancy]?

    public var isIntact: Bool { firstBrokenLink == nil && (anchorDiscrepancies?.isEmpty ?? true) }
}
