import Crypto

/// A SHA-256 hash held inline (no allocation): what each event's hash chain link carries.
struct ChainHash: Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// 32 zero bytes: what a stream's first event chains to.
    static let genesis = ChainHash(words: (0, 0, 0, 0))

    private init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// From 32 bytes; nil when there are not 32.
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { target in
            for (index, byte) in bytes.enumerated() { target[index] = byte }
        }
        self.words = words
    }

    /// SHA-256(previous ‖ text): the hash an event with this canonical text should carry.
    static func chained(after previous: ChainHash, text: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        withUnsafeBytes(of: previous.words) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: text)
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        hasher.finalize().withUnsafeBytes { digest in
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: digest) }
        }
        return ChainHash(words: words)
    }

    var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

    static func == (lhs: ChainHash, rhs: ChainHash) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }
}
