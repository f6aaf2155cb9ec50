import Crypto

/// A digest of the whole log at a global position: the Merkle root over every stream's head
/// (its last event at or below the position). Published outside the system (a ticket, an
/// e-mail to the auditor, a newspaper), it later proves that no stream was removed, cut short
/// or rewritten up to that position — which per-stream hash chains alone cannot show.
///
/// Written `<position>:<root in hex>`. The tree, also implemented by `scripts/verify_export.py`:
/// - leaves in ascending byte order of stream name; leaf = SHA-256(0x00 ‖ stream name (UTF-8)
///   ‖ 0x1F ‖ version (decimal) ‖ 0x1F ‖ the head's 32-byte hash);
/// - each level pairs neighbours, node = SHA-256(0x01 ‖ left ‖ right); an odd last node goes up
///   unchanged; the root is the one node left (32 zero bytes for an empty log).
public struct LogAnchor: Sendable, Hashable, CustomStringConvertible {
    /// One stream's last event at or below the anchor's position.
    public struct StreamHead: Sendable, Hashable {
        public let stream: String
        public let version: Int64
        public let hash: [UInt8]

        public init(stream: String, version: Int64, hash: [UInt8]) {
            self.stream = stream
            self.version = version
            self.hash = hash
        }
    }

    public let position: Int64
    public let root: [UInt8]

    public init(position: Int64, root: [UInt8]) {
        self.position = position
        self.root = root
    }

    /// Reads `<position>:<root hex>`; nil when it is not that.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let position = Int64(parts[0]), position >= 0,
              let root = [UInt8](hexString: parts[1]), root.count == 32 else { return nil }
        self.init(position: position, root: root)
    }

    public var description: String { "\(position):\(root.hexString)" }

    /// The Merkle root over `heads` (in any order; sorted here).
    public static func root(of heads: [StreamHead]) -> [UInt8] {
        guard !heads.isEmpty else { return ChainHash.genesis.bytes }
        var level = heads.sorted { $0.stream.utf8.lexicographicallyPrecedes($1.stream.utf8) }.map(leaf)
        while level.count > 1 {
            var next: [[UInt8]] = []
            next.reserveCapacity((level.count + 1) / 2)
            var index = 0
            while index + 1 < level.count {
                var hasher = SHA256()
                hasher.update(data: [0x01])
                hasher.update(data: level[index])
                hasher.update(data: level[index + 1])
                next.append(Array(hasher.finalize()))
                index += 2
            }
            if index < level.count { next.append(level[index]) }
            level = next
        }
        return level[0]
    }

    private static func leaf(_ head: StreamHead) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Array(head.stream.utf8))
        hasher.update(data: [0x1F])
        hasher.update(data: Array(String(head.version).utf8))
        hasher.update(data: [0x1F])
        hasher.update(data: head.hash)
        return Array(hasher.finalize())
    }
}
