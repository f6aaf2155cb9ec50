/// How the log differs from an anchor taken earlier: what was removed, cut short or rewritten
/// at or below the anchor's position.
public struct AnchorDiscrepancy: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The anchor's stored stream heads no longer give the published root.
        case anchorRecordAltered = "anchor record altered"
        /// The heads found at the anchor's position do not give its root (and the anchor's own
        /// record cannot say which stream differs).
        case rootMismatch = "root mismatch"
        /// A stream the anchor has is gone.
        case streamRemoved = "stream removed"
        /// A stream ends before the anchor's head: its last events were deleted.
        case streamTruncated = "stream truncated"
        /// The head has the anchor's version but another hash: an event was rewritten.
        case streamRewritten = "stream rewritten"
        /// A stream has events at or below the anchor's position the anchor does not know.
        case streamAdded = "stream added after the fact"
        /// A stream has more events at or below the anchor's position than the anchor says.
        case streamExtended = "events added after the fact"
    }

    public let kind: Kind
    public let stream: String
    /// The head the anchor recorded (version), nil when it did not know the stream.
    public let anchoredVersion: Int64?
    /// The head found now at or below the anchor's position, nil when the stream is gone.
    public let foundVersion: Int64?

    public init(kind: Kind, stream: String, anchoredVersion: Int64?, foundVersion: Int64?) {
        self.kind = kind
        self.stream = stream
        self.anchoredVersion = anchoredVersion
        self.foundVersion = foundVersion
    }

    public var description: String {
        switch kind {
        case .anchorRecordAltered: "the anchor's stored stream heads do not give its root: the anchor record itself was altered"
        case .rootMismatch: "the stream heads at the anchor's position do not give the anchor's root: a stream was removed, cut short or rewritten"
        default: "\(stream): \(kind.rawValue) (anchored at version \(anchoredVersion.map(String.init) ?? "none"), found \(foundVersion.map(String.init) ?? "none"))"
        }
    }
}
