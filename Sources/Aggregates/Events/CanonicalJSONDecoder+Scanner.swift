extension CanonicalJSONDecoder {
    /// Scans JSON text (RFC 8259) into ``Token``s, refusing (``Unsupported``) what is not JSON
    /// and the objects the fast path does not read: an escaped key, a key written twice.
    struct Scanner {
        private(set) var tokens: [Token] = []
        private(set) var position = 0

        init() {
            tokens.reserveCapacity(64)
        }

        mutating func skipSpace(in bytes: UnsafeBufferPointer<UInt8>) {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        private func byte(_ bytes: UnsafeBufferPointer<UInt8>) throws -> UInt8 {
            guard position < bytes.count else { throw Unsupported() }
            return bytes[position]
        }

        mutating func value(in bytes: UnsafeBufferPointer<UInt8>, depth: Int) throws {
            skipSpace(in: bytes)
            switch try byte(bytes) {
            case UInt8(ascii: "{"): try container(.object, in: bytes, depth: depth)
            case UInt8(ascii: "["): try container(.array, in: bytes, depth: depth)
            case UInt8(ascii: "\""): try string(in: bytes)
            case UInt8(ascii: "t"): try literal("true", .true, in: bytes)
            case UInt8(ascii: "f"): try literal("false", .false, in: bytes)
            case UInt8(ascii: "n"): try literal("null", .null, in: bytes)
            default: try number(in: bytes)
            }
        }

        private mutating func container(_ kind: Token.Kind, in bytes: UnsafeBufferPointer<UInt8>, depth: Int) throws {
            guard depth < Tape.maximumDepth else { throw Unsupported() }
            let index = tokens.count
            tokens.append(Token(kind: kind, start: Int32(position), end: 0, next: 0, count: 0))
            let close = UInt8(ascii: kind == .object ? "}" : "]")
            position += 1
            skipSpace(in: bytes)
            var count: Int32 = 0
            if try byte(bytes) == close {
                position += 1
            } else {
                while true {
                    if kind == .object {
                        skipSpace(in: bytes)
                        guard try byte(bytes) == UInt8(ascii: "\"") else { throw Unsupported() }
                        try string(in: bytes)
                        guard tokens[tokens.count - 1].kind == .string else { throw Unsupported() }
                        skipSpace(in: bytes)
                        guard try byte(bytes) == UInt8(ascii: ":") else { throw Unsupported() }
                        position += 1
                    }
                    try value(in: bytes, depth: depth + 1)
                    count += 1
                    skipSpace(in: bytes)
                    let separator = try byte(bytes)
                    position += 1
                    if separator == close { break }
                    guard separator == UInt8(ascii: ",") else { throw Unsupported() }
                }
            }
            tokens[index].end = Int32(position)
            tokens[index].next = Int32(tokens.count)
            tokens[index].count = count
            if kind == .object, count > 1 { try checkDistinctKeys(of: index, in: bytes) }
        }

        /// Keys in ascending byte order (the events' encoder sorts them) are distinct at a glance;
        /// others are compared pairwise.
        private func checkDistinctKeys(of object: Int, in bytes: UnsafeBufferPointer<UInt8>) throws {
            var keys: [Range<Int>] = []
            keys.reserveCapacity(Int(tokens[object].count))
            var key = object + 1
            for _ in 0..<tokens[object].count {
                keys.append(Int(tokens[key].start)..<Int(tokens[key].end))
                key = Int(tokens[key + 1].next)
            }
            func text(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[range]) }
            let ascending = zip(keys, keys.dropFirst()).allSatisfy { text($0).lexicographicallyPrecedes(text($1)) }
            guard !ascending else { return }
            for (offset, first) in keys.enumerated() {
                for second in keys[(offset + 1)...] where text(first).elementsEqual(text(second)) { throw Unsupported() }
            }
        }

        private mutating func literal(_ word: StaticString, _ kind: Token.Kind, in bytes: UnsafeBufferPointer<UInt8>) throws {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count,
                  UnsafeBufferPointer(rebasing: bytes[position..<(position + count)]).elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: count))
            else { throw Unsupported() }
            tokens.append(Token(kind: kind, start: Int32(position), end: Int32(position + count), next: Int32(tokens.count + 1), count: 0))
            position += count
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; an integer token when it
        /// has neither fraction nor exponent.
        private mutating func number(in bytes: UnsafeBufferPointer<UInt8>) throws {
            let start = position
            func isDigit(_ at: Int) -> Bool { at < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) }
            func digits() throws {
                guard isDigit(position) else { throw Unsupported() }
                while isDigit(position) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            if position < bytes.count, bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                try digits()
            }
            var kind = Token.Kind.integer
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                try digits()
                kind = .number
            }
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                try digits()
                kind = .number
            }
            tokens.append(Token(kind: kind, start: Int32(start), end: Int32(position), next: Int32(tokens.count + 1), count: 0))
        }

        /// A string whose opening quote is at `position`: no raw control characters, only JSON's
        /// escapes, and a `\u` high surrogate only with its low one.
        private mutating func string(in bytes: UnsafeBufferPointer<UInt8>) throws {
            position += 1
            let start = position
            var escaped = false
            while true {
                let byte = try byte(bytes)
                if byte == UInt8(ascii: "\"") { break }
                guard byte >= 0x20 else { throw Unsupported() }
                guard byte == UInt8(ascii: "\\") else {
                    position += 1
                    continue
                }
                escaped = true
                position += 1
                switch try self.byte(bytes) {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    let unit = try hexUnit(in: bytes, at: position + 1)
                    position += 5
                    if (0xD800..<0xDC00).contains(unit) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u"),
                              (0xDC00..<0xE000).contains(try hexUnit(in: bytes, at: position + 2)) else { throw Unsupported() }
                        position += 6
                    } else if (0xDC00..<0xE000).contains(unit) {
                        throw Unsupported()
                    }
                default:
                    throw Unsupported()
                }
            }
            tokens.append(Token(
                kind: escaped ? .escapedString : .string, start: Int32(start), end: Int32(position), next: Int32(tokens.count + 1), count: 0
            ))
            position += 1
        }

        private func hexUnit(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) throws -> UInt16 {
            guard start + 4 <= bytes.count else { throw Unsupported() }
            var unit: UInt16 = 0
            for position in start..<(start + 4) {
                guard let digit = Self.hexDigit(bytes[position]) else { throw Unsupported() }
                unit = unit << 4 | UInt16(digit)
            }
            return unit
        }

        static func hexDigit(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }

        /// The four hex digits at `start`, already checked by the scan.
        static func hex(_ bytes: [UInt8], at start: Int) -> UInt16 {
            (start..<(start + 4)).reduce(0) { $0 << 4 | UInt16(hexDigit(bytes[$1])!) }
        }
    }
}
