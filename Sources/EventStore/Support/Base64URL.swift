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
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            for shift in [18, 12, 6, 0] as [UInt32] { output.append(alphabet[Int((group >> shift) & 63)]) }
            index += 3
        }
        switch input.count - index {
        case 1:
            let group = UInt32(input[index]) << 16
            for shift in [18, 12] as [UInt32] { output.append(alphabet[Int((group >> shift) & 63)]) }
        case 2:
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            for shift in [18, 12, 6] as [UInt32] { output.append(alphabet[Int((group >> shift) & 63)]) }
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes, or nil when `text` holds a character outside the alphabet or cannot be a
    /// whole number of bytes (trailing `=` padding is allowed).
    public static func decode(_ text: some StringProtocol) -> Data? {
        var characters = Array(text.utf8)
        while characters.last == UInt8(ascii: "=") { characters.removeLast() }
        guard characters.count % 4 != 1 else { return nil }
        var output = Data()
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
        return output
    }
}
