import Crypto
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Seals personal fields of JSON documents with a key per data subject, reveals them for
/// those allowed to read them, and erases subjects by deleting their keys (crypto-shredding):
/// the stored events never change, so their hash chains still verify, yet no copy of the
/// sealed fields — on Kafka, in read models, in exports, in backups of those — can be read.
///
/// A sealed field is the string `enc:v1:<subject>:<base64url(nonce ‖ ciphertext ‖ tag)>`:
/// AES-256-GCM with a random 12-byte nonce and the subject as authenticated data, so a sealed
/// value moved under another subject's name does not open. Fields are revealed only at the
/// paths the caller names, never wherever such a string turns up: text a user typed that looks
/// sealed is never opened.
///
/// Keys are cached for `cacheLifetime`: an erasure made by another process takes effect here
/// within that time (at once in the erasing process).
public final class PersonalDataVault: Sendable {
    public static let sealedPrefix = "enc:v1:"
    /// What a field of an erased subject reads as.
    public static let erased = "[erased]"
    /// What a sealed field reads as when it does not open (altered, or under a wrong name).
    public static let unreadable = "[unreadable]"

    enum KeyState: Sendable {
        case active(SymmetricKey)
        case erased
        case unknown

        var isUnknown: Bool {
            if case .unknown = self { true } else { false }
        }
    }

    private struct CachedKey {
        let state: KeyState
        let fetched: ContinuousClock.Instant
    }

    let client: PostgresClient
    let logger: Logger
    let cacheLifetime: Duration
    private let cache = Mutex<[String: CachedKey]>([:])

    public init(client: PostgresClient, logger: Logger, cacheLifetime: Duration = .seconds(30)) {
        self.client = client
        self.logger = logger
        self.cacheLifetime = cacheLifetime
    }

    // MARK: - Sealing and revealing JSON

    /// Seals the string members `fields` of the object at `path` in a JSON object, under
    /// `subject`'s key (made on first use). For an erased subject the fields are written as
    /// erased: nothing of theirs is stored any more. Other members are left as they are.
    /// - Throws: ``EventStoreError`` `invalid_payload` when `json` is no object: nothing is
    ///   stored unsealed.
    public func seal(_ json: String, object path: [String], fields: [String], subject: String) async throws -> String {
        var memo = SealMemo()
        return try await seal(json, object: path, fields: fields, subject: subject, memo: &memo)
    }

    /// Values sealed for the events of one append, by subject, field and plaintext.
    public struct SealMemo: Sendable {
        var sealed: [String: String] = [:]

        public init() {}
    }

    /// Like ``seal(_:object:fields:subject:)``, taking a value sealed before under `memo` as it
    /// is: the same address in a checkout's cart event and its order event is sealed once. The
    /// two events then carry the same text for it, which tells nothing their ids do not.
    public func seal(_ json: String, object path: [String], fields: [String], subject: String, memo: inout SealMemo) async throws -> String {
        guard let document = JSONStringMembers(json, object: path, names: Set(fields)) else {
            throw EventStoreError(.invalidPayload, "personal data of \(subject) is not in a JSON object: not stored")
        }
        let state = try await key(for: subject, create: true)
        guard !document.members.isEmpty else { return json }
        guard case .active(let key) = state else { return document.replacing(document.members.map { ($0, Self.erased) }) }
        var values: [(member: JSONStringMembers.Member, value: String)] = []
        for member in document.members {
            let memoKey = "\(subject)\u{0}\(member.name)\u{0}\(member.value)"
            let sealed = memo.sealed[memoKey] ?? Self.sealed(member.value, subject: subject, key: key)
            memo.sealed[memoKey] = sealed
            values.append((member, sealed))
        }
        return document.replacing(values)
    }

    /// Opens the sealed string members `fields` of the object at `path`: plaintext where the
    /// subject's key exists, ``erased`` where it was erased, ``unreadable`` where a value does
    /// not open. Unsealed values (written before sealing) are left as they are.
    public func reveal(_ json: String, object path: [String], fields: [String]) async throws -> String {
        guard json.utf8.count > Self.sealedPrefix.utf8.count, json.contains(Self.sealedPrefix),
              let document = JSONStringMembers(json, object: path, names: Set(fields)) else { return json }
        let sealed = document.members.filter { $0.value.hasPrefix(Self.sealedPrefix) }
        guard !sealed.isEmpty else { return json }
        var opened: [(member: JSONStringMembers.Member, value: String)] = []
        for member in sealed { opened.append((member, try await open(member.value))) }
        return document.replacing(opened)
    }

    /// Opens one sealed value (see ``reveal(_:object:fields:)`` for what it reads as).
    public func open(_ value: String) async throws -> String {
        guard let token = Self.parse(value) else { return Self.unreadable }
        switch try await key(for: token.subject, create: false) {
        case .active(let key):
            guard let box = try? AES.GCM.SealedBox(combined: token.box),
                  let plaintext = try? AES.GCM.open(box, using: key, authenticating: Data(token.subject.utf8)) else { return Self.unreadable }
            return String(decoding: plaintext, as: UTF8.self)
        case .erased: return Self.erased
        case .unknown: return Self.unreadable
        }
    }

    // MARK: - Erasure

    /// Deletes the subjects' keys, keeping tombstones, and vacuums the table so the key bytes
    /// leave the live heap. Subjects without a key yet get a tombstone too: nothing of theirs
    /// will be stored later.
    /// - Returns: how many keys were deleted.
    @discardableResult
    public func erase(subjects: [String]) async throws -> Int {
        guard !subjects.isEmpty else { return 0 }
        let rows = try await client.query(
            """
            WITH before AS (SELECT subject FROM personal_data_keys WHERE subject = ANY(\(subjects)) AND key IS NOT NULL)
            INSERT INTO personal_data_keys (subject, key, erased_at) SELECT s, NULL, now() FROM unnest(\(subjects)::text[]) AS s
            ON CONFLICT (subject) DO UPDATE SET key = NULL, erased_at = coalesce(personal_data_keys.erased_at, now())
            RETURNING (SELECT count(*) FROM before)
            """,
            logger: logger
        ).decode(Int64.self).collectAll()
        cache.withLock { cache in for subject in subjects { cache[subject] = CachedKey(state: .erased, fetched: .now) } }
        try await client.query("VACUUM personal_data_keys", logger: logger)
        return Int(rows.first ?? 0)
    }

    // MARK: - Keys

    func key(for subject: String, create: Bool) async throws -> KeyState {
        let now = ContinuousClock.now
        // A cached "no key yet" does not stand when a key is to be made.
        if let cached = cache.withLock({ $0[subject] }), now - cached.fetched < cacheLifetime, !(create && cached.state.isUnknown) {
            return cached.state
        }
        if create {
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            try await client.query(
                "INSERT INTO personal_data_keys (subject, key) VALUES (\(subject), \(ByteBuffer(bytes: fresh))) ON CONFLICT (subject) DO NOTHING",
                logger: logger
            )
        }
        let rows = try await client.query("SELECT key FROM personal_data_keys WHERE subject = \(subject)", logger: logger)
            .decode(ByteBuffer?.self).collectAll()
        let state: KeyState = switch rows.first {
        case .none: .unknown
        case .some(.none): .erased
        case .some(.some(let key)): .active(SymmetricKey(data: Array(key.readableBytesView)))
        }
        cache.withLock { $0[subject] = CachedKey(state: state, fetched: now) }
        return state
    }

    // MARK: - Tokens

    static func sealed(_ plaintext: String, subject: String, key: SymmetricKey) -> String {
        // Sealing with a fresh random nonce cannot fail for a 256-bit key.
        let box = try! AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(subject.utf8))
        return sealedPrefix + subject + ":" + Base64URL.encode(box.combined!)
    }

    static func parse(_ value: String) -> (subject: String, box: Data)? {
        guard value.hasPrefix(sealedPrefix) else { return nil }
        let rest = value.dropFirst(sealedPrefix.count)
        guard let colon = rest.lastIndex(of: ":"), let box = Base64URL.decode(rest[rest.index(after: colon)...]) else { return nil }
        let subject = String(rest[..<colon])
        guard !subject.isEmpty, box.count > 28 else { return nil }
        return (subject, box)
    }
}
