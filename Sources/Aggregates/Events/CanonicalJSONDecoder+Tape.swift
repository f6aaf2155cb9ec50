import Foundation

extension CanonicalJSONDecoder {
    /// A JSON text scanned into tokens, checked against the JSON grammar as a whole before any
    /// value is read, and the readers of its values. A class: the containers of one decoding
    /// share it.
    final class Tape {
        let bytes: [UInt8]
        let tokens: [Token]

        /// Deeper nesting is left to JSONDecoder, which has a limit of its own.
        static let maximumDepth = 512

        /// - Throws: ``Unsupported`` for text that is not one JSON value (with white space
        ///   around it), and for objects with an escaped or a repeated key.
        init(parsing bytes: [UInt8]) throws {
            var scanner = Scanner()
            try bytes.withUnsafeBufferPointer { buffer in
                try scanner.value(in: buffer, depth: 0)
                scanner.skipSpace(in: buffer)
                guard scanner.position == buffer.count else { throw Unsupported() }
            }
            self.bytes = bytes
            tokens = scanner.tokens
        }

        // MARK: - Values

        func value<T: Decodable>(_ type: T.Type, at index: Int) throws -> T {
            // The types JSONDecoder reads with a strategy or from text of their own kind are
            // read here as it reads them, or left to it.
            if T.self == String.self { return try string(at: index) as! T }
            if T.self == Date.self { return try date(at: index) as! T }
            if T.self == Data.self || T.self == Decimal.self || T.self == URL.self || T.self == Float.self {
                throw Unsupported()
            }
            return try T(from: Impl(tape: self, token: index))
        }

        func bool(at index: Int) throws -> Bool {
            switch tokens[index].kind {
            case .true: true
            case .false: false
            default: throw Unsupported()
            }
        }

        func string(at index: Int) throws -> String {
            let token = tokens[index]
            switch token.kind {
            case .string: return String(decoding: bytes[Int(token.start)..<Int(token.end)], as: UTF8.self)
            case .escapedString: return try unescaped(token)
            default: throw Unsupported()
            }
        }

        /// The text of a string token known to have no escapes (keys).
        func plainString(at index: Int) -> String {
            String(decoding: bytes[Int(tokens[index].start)..<Int(tokens[index].end)], as: UTF8.self)
        }

        /// Whether key token `index` is `name`, byte for byte.
        func keyEquals(_ index: Int, _ name: String) -> Bool {
            let token = tokens[index]
            var name = name
            return name.withUTF8 { utf8 in
                guard utf8.count == Int(token.end - token.start) else { return false }
                return bytes.withUnsafeBufferPointer { buffer in
                    utf8.isEmpty || memcmp(buffer.baseAddress! + Int(token.start), utf8.baseAddress!, utf8.count) == 0
                }
            }
        }

        /// An integer written without fraction or exponent that `T` holds exactly; anything
        /// else (`1.0`, `1e3`, `-0`, out of range) is left to JSONDecoder.
        func integer<T: FixedWidthInteger>(_ type: T.Type, at index: Int) throws -> T {
            let token = tokens[index]
            guard token.kind == .integer else { throw Unsupported() }
            var position = Int(token.start)
            let negative = bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            var magnitude: UInt64 = 0
            while position < Int(token.end) {
                let (times10, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times10.addingReportingOverflow(UInt64(bytes[position] &- UInt8(ascii: "0")))
                guard !overflow, !carry else { throw Unsupported() }
                magnitude = sum
                position += 1
            }
            if negative {
                guard magnitude > 0, magnitude <= UInt64(Int64.max) + 1 else { throw Unsupported() }
                let value = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
                guard let exact = T(exactly: value) else { throw Unsupported() }
                return exact
            }
            guard let exact = T(exactly: magnitude) else { throw Unsupported() }
            return exact
        }

        /// A number's nearest double (both parsers round correctly); one too large for a double is
        /// left to JSONDecoder.
        func double(at index: Int) throws -> Double {
            let token = tokens[index]
            guard token.kind == .number || token.kind == .integer,
                  let value = Double(String(decoding: bytes[Int(token.start)..<Int(token.end)], as: UTF8.self)), value.isFinite
            else { throw Unsupported() }
            return value
        }

        /// `yyyy-MM-ddTHH:mm:ssZ`, the form the events' encoder writes, as a valid Gregorian
        /// date from 1583 (before, calendars disagree on which days there were).
        func date(at index: Int) throws -> Date {
            let token = tokens[index]
            guard token.kind == .string, token.end - token.start == 20 else { throw Unsupported() }
            let start = Int(token.start)
            func digits(_ offset: Int, _ count: Int) throws -> Int {
                var value = 0
                for position in (start + offset)..<(start + offset + count) {
                    let digit = bytes[position] &- UInt8(ascii: "0")
                    guard digit < 10 else { throw Unsupported() }
                    value = value * 10 + Int(digit)
                }
                return value
            }
            func expect(_ offset: Int, _ character: Unicode.Scalar) throws {
                guard bytes[start + offset] == UInt8(ascii: character) else { throw Unsupported() }
            }
            try expect(4, "-")
            try expect(7, "-")
            try expect(10, "T")
            try expect(13, ":")
            try expect(16, ":")
            try expect(19, "Z")
            let (year, month, day) = (try digits(0, 4), try digits(5, 2), try digits(8, 2))
            let (hour, minute, second) = (try digits(11, 2), try digits(14, 2), try digits(17, 2))
            guard year >= 1583, (1...12).contains(month), day >= 1, day <= Self.days(inMonth: month, of: year),
                  hour < 24, minute < 60, second < 60 else { throw Unsupported() }
            let seconds = Self.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }

        static func days(inMonth month: Int, of year: Int) -> Int {
            switch month {
            case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar, counting in
        /// 400-year eras from 1 March 0000 (so that the leap day ends a year).
        static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
            let shiftedYear = month <= 2 ? year - 1 : year
            let era = shiftedYear / 400
            let yearOfEra = shiftedYear - era * 400
            let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }

        /// A string with escapes, decoded (the scanner checked each escape and surrogate pair).
        private func unescaped(_ token: Token) throws -> String {
            var output: [UInt8] = []
            output.reserveCapacity(Int(token.end - token.start))
            var position = Int(token.start)
            while position < Int(token.end) {
                let byte = bytes[position]
                guard byte == UInt8(ascii: "\\") else {
                    output.append(byte)
                    position += 1
                    continue
                }
                let escape = bytes[position + 1]
                position += 2
                switch escape {
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = UInt32(Scanner.hex(bytes, at: position))
                    position += 4
                    if (0xD800..<0xDC00).contains(scalar) {
                        // The scanner checked that `\uDC00`…`\uDFFF` follows.
                        let low = UInt32(Scanner.hex(bytes, at: position + 2))
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        position += 6
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw Unsupported() }
                    UTF8.encode(unicode) { output.append($0) }
                default: output.append(escape)  // " \ /
                }
            }
            return String(decoding: output, as: UTF8.self)
        }

        // MARK: - Structure

        /// The key and value tokens of an object's members, in the text's order.
        func members(of object: Int) -> Members {
            Members(tokens: tokens, key: object + 1, remaining: Int(tokens[object].count))
        }

        struct Members: Sequence, IteratorProtocol {
            let tokens: [Token]
            var key: Int
            var remaining: Int

            mutating func next() -> (key: Int, value: Int)? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let member = (key: key, value: key + 1)
                key = Int(tokens[key + 1].next)
                return member
            }
        }

        /// The coding path of token `target`, found by walking down from the top: kept only
        /// for the rare `init(from:)` that asks for it.
        func path(to target: Int) -> [any CodingKey] {
            var path: [any CodingKey] = []
            var current = 0
            descending: while current != target {
                let token = tokens[current]
                var child = current + 1
                for position in 0..<Int(token.count) {
                    let value = token.kind == .object ? child + 1 : child
                    if target >= value, target < Int(tokens[value].next) {
                        path.append(token.kind == .object ? PathKey(plainString(at: child)) : PathKey(position))
                        current = value
                        continue descending
                    }
                    child = Int(tokens[value].next)
                }
                break
            }
            return path
        }
    }

    struct PathKey: CodingKey {
        let stringValue: String
        let intValue: Int?

        init(_ string: String) {
            stringValue = string
            intValue = nil
        }

        init(_ index: Int) {
            stringValue = "Index \(index)"
            intValue = index
        }

        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { self.init(intValue) }
    }
}
