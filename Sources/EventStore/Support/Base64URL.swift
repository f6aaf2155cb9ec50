import Foundation

/// Base64 with the URL- and filename-safe alphabet and no padding (RFC 4648 §5): sealed
/// personal data, tokens, cursors. Written out over bytes: done with Foundation's Base64 and
/// three `replacingOccurrences`, it was a tenth of a checkout's CPU (each personal field sealed
/// and opened goes through it).
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    /// Each byte's value in the alphabet, or 0xFF for a byte outside it.
    private static let values: [UInt8] = {
        var values = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { values[Int(byte)] = UInt8(value) }
        return values
    }()

    public static func encode(_ bytes: some DataProtocol) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        /// The first `count` characters of a group of three bytes.
        func append(_ group: UInt32, count: Int) {
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            if count > 2 { output.append(alphabet[Int(group >> 6 & 63)]) }
            if count > 3 { output.append(alphabet[Int(group & 63)]) }
        }
        while index + 3 <= input.count {
            append(UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2]), count: 4)
            index += 3
        }
        switch input.count - index {
        case 1: append(UInt32(input[index]) << 16, count: 2)
        case 2: append(UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8, count: 3)
        default: break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes, or nil when `text` holds a character outside the alphabet or cannot be a
    /// whole number of bytes (trailing `=` padding is allowed).
    public static func decode(_ text: some StringProtocol) -> Data? {
        var characters = Array(text.utf8)
        while characters.last == UInt8(ascii: "=") { characters.removeLast() }
        guard characters.count % 4 != 1 else { return nil }
        // Gathered in an array, made `Data` once: `Data.append` of each byte was most of the cost.
        var output: [UInt8] = []
        output.reserveCapacity(characters.count * 3 / 4)
        var group: UInt32 = 0
        var bits = 0
        for character in characters {
            let value = values[Int(character)]
            guard value != 0xFF else { return nil }
            group = group << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((group >> UInt32(bits)) & 0xFF))
            }
        }
        return Data(output)
    }
}
