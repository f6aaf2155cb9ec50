import Aggregates
import EventStore

extension JSONObject {
    /// The JSON object of `event`, upcast first from its stored schema version to `current`
    /// (``EventUpcasters``); nil when the text is not an object.
    init?(upcasting event: RecordedEvent, to current: Int) throws(DomainError) {
        var json = event.data
        if event.schemaVersion != current {
            json = try EventUpcasters.upcast(type: event.type, from: Int(event.schemaVersion), to: current, json: json)
        }
        self.init(json)
    }

    /// The current schema version of every event type of `categories`: what a read model that
    /// reads events field by field upcasts them to.
    static func currentVersions(of categories: Set<String>) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: EventCatalog.entries.filter { categories.contains($0.category) }.map { ($0.eventType, $0.schemaVersion) })
    }

    /// What `read` finds in `event`'s JSON object, upcast first to its type's version in
    /// `versions`. A type `versions` lacks, a text that is not an object, or a field `read` finds
    /// missing (nil) is a failure naming `reader`, for the caller to park the event.
    static func read<Fact>(
        _ event: RecordedEvent, versions: [String: Int], by reader: String, _ read: (JSONObject) throws(DomainError) -> Fact?
    ) -> Result<Fact, DomainError> {
        guard let current = versions[event.type] else {
            return .failure(DomainError(.unknownEventType, "\(reader) reads no event type \(event.type)"))
        }
        return Result { () throws(DomainError) -> Fact in
            guard let object = try JSONObject(upcasting: event, to: current), let fact = try read(object) else {
                throw DomainError(.malformedEvent, "\(event.type) v\(event.schemaVersion) lacks a field \(reader) reads")
            }
            return fact
        }
    }
}

/// A JSON object in an event's text, read field by field (see ``JSONScanner``): for a read
/// model that needs a few fields of an event, not the whole decoded value.
struct JSONObject {
    private let bytes: [UInt8]
    /// Each member's key, as written between its quotes, and where its value starts: found in
    /// one pass, so reading several fields does not scan the object again for each.
    private let members: [(key: Range<Int>, value: Int)]

    init?(_ text: String) {
        var scanner = JSONScanner(text)
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        self.init(scanning: &scanner)
        guard scanner.atEnd else { return nil }
    }

    /// The object whose opening brace `scanner` has just taken, read through its closing one.
    private init?(scanning scanner: inout JSONScanner) {
        var members: [(key: Range<Int>, value: Int)] = []
        if !scanner.take(UInt8(ascii: "}")) {
            repeat {
                guard scanner.peek() == UInt8(ascii: "\""), case let keyStart = scanner.index + 1, scanner.skipString(),
                      case let keyEnd = scanner.index - 1, scanner.take(UInt8(ascii: ":")) else { return nil }
                scanner.skipSpace()
                members.append((keyStart..<keyEnd, scanner.index))
                guard scanner.skipValue() else { return nil }
            } while scanner.take(UInt8(ascii: ","))
            guard scanner.take(UInt8(ascii: "}")) else { return nil }
        }
        self.bytes = scanner.bytes
        self.members = members
    }

    /// A scanner at the value of member `name`, if there is one. A key written with escapes is
    /// decoded before it is compared.
    func value(_ name: String) -> JSONScanner? {
        for member in members {
            let key = bytes[member.key]
            let matches: Bool
            if key.contains(UInt8(ascii: "\\")) {
                var scanner = JSONScanner(bytes: bytes, at: member.key.lowerBound - 1)
                matches = scanner.string() == name
            } else {
                matches = key.elementsEqual(name.utf8)
            }
            if matches { return JSONScanner(bytes: bytes, at: member.value) }
        }
        return nil
    }

    func string(_ name: String) -> String? {
        guard var scanner = value(name) else { return nil }
        return scanner.string()
    }

    func boolean(_ name: String) -> Bool? {
        guard var scanner = value(name) else { return nil }
        return scanner.boolean()
    }

    /// The text of member `name`'s value as the event has it (any kind of value), for a read
    /// model that stores it as it is.
    func raw(_ name: String) -> String? {
        guard var scanner = value(name) else { return nil }
        let start = scanner.index
        guard scanner.skipValue() else { return nil }
        return String(decoding: bytes[start..<scanner.index], as: UTF8.self)
    }

    func integer(_ name: String) -> Int64? {
        guard var scanner = value(name) else { return nil }
        return scanner.integer()
    }

    func object(_ name: String) -> JSONObject? {
        guard var scanner = value(name), scanner.take(UInt8(ascii: "{")) else { return nil }
        return JSONObject(scanning: &scanner)
    }

    /// The members of an array of objects.
    func objects(_ name: String) -> [JSONObject]? {
        guard var scanner = value(name), scanner.take(UInt8(ascii: "[")) else { return nil }
        var objects: [JSONObject] = []
        if scanner.take(UInt8(ascii: "]")) { return objects }
        repeat {
            guard scanner.take(UInt8(ascii: "{")), let object = JSONObject(scanning: &scanner) else { return nil }
            objects.append(object)
        } while scanner.take(UInt8(ascii: ","))
        return scanner.take(UInt8(ascii: "]")) ? objects : nil
    }

    /// The members of an array of strings.
    func strings(_ name: String) -> [String]? {
        guard var scanner = value(name), scanner.take(UInt8(ascii: "[")) else { return nil }
        var strings: [String] = []
        if scanner.take(UInt8(ascii: "]")) { return strings }
        repeat {
            guard let string = scanner.string() else { return nil }
            strings.append(string)
        } while scanner.take(UInt8(ascii: ","))
        return scanner.take(UInt8(ascii: "]")) ? strings : nil
    }
}
