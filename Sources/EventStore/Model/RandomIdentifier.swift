import Foundation

/// Random identifiers (event ids, order and cart ids, request ids) drawn from the standard
/// library's generator (the kernel's `getrandom`). Foundation's `UUID()` on Linux opens, reads
/// and closes `/dev/urandom` for every id: about 4 % of a checkout's CPU in the server, whose
/// requests each make several.
public enum RandomIdentifier {
    /// A version 4 (random) UUID.
    public static func uuid() -> UUID {
        var bytes = randomBytes()
        bytes.6 = (bytes.6 & 0x0F) | 0x40
        bytes.8 = (bytes.8 & 0x3F) | 0x80
        return UUID(uuid: bytes)
    }

    /// `prefix` and 32 lowercase hex digits (128 random bits), like `order_3f9c…`.
    public static func hex(prefix: String = "") -> String {
        var random = randomBytes()
        let hex = withUnsafeBytes(of: &random) { bytes in
            String(unsafeUninitializedCapacity: 32) { buffer in
                for (index, byte) in bytes.enumerated() {
                    buffer[2 * index] = hexDigits[Int(byte >> 4)]
                    buffer[2 * index + 1] = hexDigits[Int(byte & 0x0F)]
                }
                return 32
            }
        }
        return prefix + hex
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// 16 bytes from `SystemRandomNumberGenerator` (two `getrandom` calls).
    private static func randomBytes() -> uuid_t {
        var generator = SystemRandomNumberGenerator()
        var words = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeBytes(of: &words) { $0.load(as: uuid_t.self) }
    }
}
