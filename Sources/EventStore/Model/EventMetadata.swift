import Foundation

/// Who caused an event and in answer to what. Stored in columns (queryable by auditors);
/// `extra` holds anything else as a JSON object.
public struct EventMetadata: Sendable, Hashable, Codable {
    /// Shared by every event that one user request led to, across aggregates and services.
    public var correlationID: UUID?
    /// The event or command that directly caused this one.
    public var causationID: UUID?
    /// Who acted: a user id, `system`, a worker's name.
    public var actor: String?
    /// Anything else, strings by key (the business time among them, see ``occurredAt``).
    public var extra: [String: String] {
        get {
            switch storedExtra {
            case .members(let members): members
            // Appends write `extra` as an object of strings; anything else reads as none.
            case .json(let text): FlatJSONObject.parse(text) ?? [:]
            }
        }
        set { storedExtra = .members(newValue) }
    }

    /// As read back, `extra` stays the column's text until asked for: most readers want at most
    /// one of its entries (the business time), and a dictionary per event read back cost a
    /// tenth of reading `$all`.
    private var storedExtra: StoredExtra

    private enum StoredExtra: Sendable {
        case members([String: String])
        case json(String)
    }

    public init(correlationID: UUID? = nil, causationID: UUID? = nil, actor: String? = nil, extra: [String: String] = [:]) {
        self.correlationID = correlationID
        self.causationID = causationID
        self.actor = actor
        self.storedExtra = .members(extra)
    }

    /// Metadata as stored: `extraJSON` is the column's text, read when asked for.
    init(correlationID: UUID?, causationID: UUID?, actor: String?, extraJSON: String) {
        self.correlationID = correlationID
        self.causationID = causationID
        self.actor = actor
        self.storedExtra = .json(extraJSON)
    }

    /// One entry of `extra`, without making the others.
    public func extra(_ key: String) -> String? {
        switch storedExtra {
        case .members(let members): members[key]
        case .json(let text): FlatJSONObject.value(key, in: text)
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.correlationID == b.correlationID && a.causationID == b.causationID && a.actor == b.actor && a.extra == b.extra
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(correlationID)
        hasher.combine(causationID)
        hasher.combine(actor)
        hasher.combine(extra)
    }

    private enum CodingKeys: String, CodingKey {
        case correlationID, causationID, actor, extra
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            correlationID: try container.decodeIfPresent(UUID.self, forKey: .correlationID),
            causationID: try container.decodeIfPresent(UUID.self, forKey: .causationID),
            actor: try container.decodeIfPresent(String.self, forKey: .actor),
            extra: try container.decode([String: String].self, forKey: .extra)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(correlationID, forKey: .correlationID)
        try container.encodeIfPresent(causationID, forKey: .causationID)
        try container.encodeIfPresent(actor, forKey: .actor)
        try container.encode(extra, forKey: .extra)
    }
}
