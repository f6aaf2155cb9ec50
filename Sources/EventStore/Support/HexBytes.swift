extension Array where Element == UInt8 {
    /// Lower-case hexadecimal, as audit reports and exports print hashes.
    public var hexString: String {
        var text = ""
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(Character(Unicode.Scalar(Self.hexDigits[Int(byte >> 4)])))
            text.append(Character(Unicode.Scalar(Self.hexDigits[Int(byte & 0x0F)])))
        }
        return text
    }

    /// Parses lower- or upper-case hexadecimal; nil when it is not.
    public init?(hexString text: some StringProtocol) {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = bytes
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
